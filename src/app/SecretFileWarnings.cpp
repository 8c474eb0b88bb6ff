#include "app/SecretFileWarnings.hpp"

#include <fmt/format.h>

#include "base/PrivateFiles.hpp"

namespace rtcgate::app {
namespace {

// postgresql://user:password@host/db carries a password; sqlite:PATH does not.
bool storeUrlHasPassword(const std::string& store) {
  const auto scheme = store.find("://");
  const auto at = store.find('@');
  return scheme != std::string::npos && at != std::string::npos && store.find(':', scheme + 3) < at;
}

}  // namespace

std::vector<std::string> exposedSecretFiles(const Config& config, const std::string& configPath) {
  struct Candidate {
    std::string key;
    std::string path;
  };
  std::vector<Candidate> candidates{
      {"http.token_file", config.http.tokenFile},
      {"store_file", config.storeFile},
      {"sip.token_secret_file", config.tokenSecretPath()},
      {"tls.private_key", config.tlsPrivateKeyPath()},
      {"media.dtls_private_key", config.media.dtlsPrivateKey},
      {"webrtc.turn_secret_file", config.webrtc.turnSecretFile},
      {"store", config.sqlitePath()},
      {"node.data_dir", config.node.dataDir},
  };
  const bool inlineSecret = (!config.http.token.empty() && config.http.tokenFile.empty()) ||
                            (storeUrlHasPassword(config.store) && config.storeFile.empty());
  if (inlineSecret) candidates.push_back({"the configuration (it holds a secret)", configPath});
  std::vector<std::string> warnings;
  for (const auto& candidate : candidates) {
    if (candidate.path.empty()) continue;
    if (const auto mode = exposedMode(candidate.path)) {
      warnings.push_back(fmt::format(
          "{}: {} is readable by group or others (mode {:04o}); chmod {} it", candidate.key,
          candidate.path, *mode, candidate.key == "node.data_dir" ? "700" : "600"));
    }
  }
  return warnings;
}

}  // namespace rtcgate::app
