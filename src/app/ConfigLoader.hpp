#pragma once

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

ConfigLoadResult loadConfigFile(const std::string& path);
ConfigLoadResult loadConfigText(const std::string& yaml, const std::string& sourceName);
// The development defaults (no file).
Config defaultConfig();

// "udp://127.0.0.1:5060" -> ListenAddress; false with a reason when malformed.
bool parseListenAddress(const std::string& text, ListenAddress& out, std::string& why);

}  // namespace rtcgate::app
