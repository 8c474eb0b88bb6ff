#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "app/Config.hpp"

namespace rtcgate::app {

// Reads and validates a YAML configuration. Every problem is reported with the key path at
// fault ("sip.listen[2]: unknown transport 'sctp'"); unknown keys are errors.
struct ConfigLoadResult {
  Config config;
  std::vector<std::string> errors;
  bool ok() const { return errors.empty(); }
};

// Reads the secret a `*_file` key names (base/PrivateFiles readSecretFile), nullopt with `why`.
// The only thing loading does outside the YAML text; the fuzz target passes one that opens no
// file, so that it tests the parse and validation alone.
using SecretFileReader =
    std::function<std::optional<std::string>(const std::string& path, std::string& why)>;

ConfigLoadResult loadConfigFile(const std::string& path);
ConfigLoadResult loadConfigText(const std::string& yaml, const std::string& sourceName);
ConfigLoadResult loadConfigText(const std::string& yaml, const std::string& sourceName,
                                const SecretFileReader& secretReader);
// Values a configuration may hold but that go below what the RFCs advise, one line each naming
// the key ("calls.min_session_expires: 30 is below RFC 4028's floor of 90 s ...").
std::vector<std::string> configWarnings(const Config& config);
// The development defaults (no file).
Config defaultConfig();

// "udp://127.0.0.1:5060" -> ListenAddress; false with a reason when malformed.
bool parseListenAddress(const std::string& text, ListenAddress& out, std::string& why);

}  // namespace rtcgate::app
