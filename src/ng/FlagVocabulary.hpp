#pragma once

#include <strings.h>

#include <array>
#include <string_view>

namespace rtcgate::ng {

// The rtpengine flag words that both directions of the ng flag encoding must spell alike:
// applyNgFlags (a flag string into request keys, as the Kamailio module does) and NgRequest (the
// relay reading them back). Kept here once so that the two cannot drift apart.

// The transport protocols (SDP profiles) a bare flag may name, in their canonical spelling (SDP
// is case-sensitive about it; a flag may come in any case).
inline constexpr std::array<std::string_view, 6> kTransportProtocols{
    "RTP/AVP", "RTP/AVPF", "RTP/SAVP", "RTP/SAVPF", "UDP/TLS/RTP/SAVP", "UDP/TLS/RTP/SAVPF"};

// The canonical spelling of the profile `word` names, in any case; empty when it names none.
inline std::string_view transportProtocolOf(std::string_view word) {
  for (const std::string_view profile : kTransportProtocols) {
    if (word.size() == profile.size() &&
        strncasecmp(word.data(), profile.data(), profile.size()) == 0) {
      return profile;
    }
  }
  return {};
}

// Flags "<prefix><item>" that travel as a list key, "<key>": [item] ("rtcp-mux-demux" is
// "rtcp-mux": ["demux"]). Keys compare without case (the relay reads "SDES" as "sdes").
struct ListFlag {
  std::string_view prefix;
  std::string_view key;
};
inline constexpr std::array<ListFlag, 3> kListFlags{
    {{"rtcp-mux-", "rtcp-mux"}, {"replace-", "replace"}, {"SDES-", "SDES"}}};

// The list flag whose key `key` is (any case), or null.
inline const ListFlag* listFlagOfKey(std::string_view key) {
  for (const ListFlag& flag : kListFlags) {
    if (key.size() == flag.key.size() &&
        strncasecmp(key.data(), flag.key.data(), key.size()) == 0) {
      return &flag;
    }
  }
  return nullptr;
}

}  // namespace rtcgate::ng
