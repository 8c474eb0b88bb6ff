#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "ng/Value.hpp"

namespace rtcgate::media {

// Golden SDP files (tests/unit/media/relay/golden) and the normalisation that makes a rewritten
// SDP comparable with them: ports, ICE credentials, our certificate fingerprint and SDES keys
// change per run and are replaced by placeholders first. Set RTCGATE_UPDATE_GOLDEN=1 to
// regenerate the expected files after a deliberate change (and review the diff).
inline std::string goldenPath(const std::string& name) {
  return std::string(RTCGATE_SOURCE_DIR) + "/tests/unit/media/relay/golden/" + name;
}

inline std::string readGolden(const std::string& name) {
  std::ifstream in(goldenPath(name), std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline std::string normalizeSdp(std::string sdp) {
  const std::pair<const char*, const char*> rules[] = {
      {"m=(\\w+) [1-9][0-9]* ", "m=$1 PORT "},
      {"a=rtcp:[0-9]+", "a=rtcp:PORT"},
      {"(a=candidate:\\S+ \\d \\S+ \\d+ \\S+) \\d+ typ", "$1 PORT typ"},
      {"a=ice-ufrag:\\S+", "a=ice-ufrag:UFRAG"},
      {"a=ice-pwd:\\S+", "a=ice-pwd:PWD"},
      {"a=fingerprint:sha-256 \\S+", "a=fingerprint:sha-256 FINGERPRINT"},
      {"inline:[A-Za-z0-9+/=]+", "inline:KEY"},
  };
  for (const auto& [pattern, replacement] : rules) {
    sdp = std::regex_replace(sdp, std::regex(pattern), replacement);
  }
  return sdp;
}

// Compares `actual`, normalised, with golden/<output>.out.sdp.
inline void expectGolden(const std::string& actual, const std::string& output) {
  const std::string normalized = normalizeSdp(actual);
  if (std::getenv("RTCGATE_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(goldenPath(output + ".out.sdp"), std::ios::binary) << normalized;
  }
  EXPECT_EQ(normalized, readGolden(output + ".out.sdp")) << actual;
}

// An ng offer or answer (from-tag "caller", to-tag "callee") carrying golden/<input>.in.sdp.
inline ng::Value goldenRequest(const std::string& command, const std::string& input,
                               const std::vector<std::string>& flags) {
  ng::Value request = ng::Value::dict();
  request.set("command", command);
  request.set("call-id", "golden");
  request.set("from-tag", "caller");
  if (command == "answer") request.set("to-tag", "callee");
  request.set("sdp", readGolden(input + ".in.sdp"));
  ng::Value& list = request.set("flags", ng::Value::list());
  for (const auto& flag : flags) list.push(flag);
  return request;
}

}  // namespace rtcgate::media
