// libFuzzer target for the YAML configuration: the bytes are the text of a configuration file,
// loaded and validated as `rtcgate check` and every reload do. `*_file` secrets come from a
// reader that opens nothing, so no input makes the target read, create or block on a file.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#include "app/ConfigLoader.hpp"

namespace {

using namespace rtcgate::app;

std::optional<std::string> fakeSecret(const std::string& path, std::string& why) {
  // Both outcomes of a real read, chosen by the path so the fuzzer can reach each.
  if (path.empty() || path.front() == '!') {
    why = path + ": cannot read";
    return std::nullopt;
  }
  return "secret-of-" + path;
}

void check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const ConfigLoadResult result = loadConfigText(text, "fuzz.yaml", fakeSecret);
  for (const auto& error : result.errors) check(!error.empty());
  if (!result.ok()) return 0;
  // A valid configuration has what the gateway relies on without checking again.
  const Config& c = result.config;
  check(!c.sip.listen.empty());
  check(!c.sip.domains.empty());
  for (const auto& listen : c.sip.listen) check(!listen.host.empty());
  (void)c.sqlitePath();
  (void)c.tlsCertificatePath();
  (void)c.tokenSecretPath();
  return 0;
}
