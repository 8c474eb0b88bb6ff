#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace rtcgate::web {

// A STUN or TURN server URL as browsers take it in RTCIceServer.urls (RFC 7064, RFC 7065):
// "stun:HOST[:PORT]", "stuns:HOST[:PORT]", "turn:HOST[:PORT][?transport=udp|tcp]" and
// "turns:...". Checked when the configuration is loaded, so that a typo is refused with its key
// rather than silently ignored by every browser.
struct IceServerUrl {
  std::string scheme;     // stun, stuns, turn or turns
  std::string host;       // name or address, without IPv6 brackets
  unsigned port = 0;      // 0: the scheme's default (3478, or 5349 for the secure ones)
  std::string transport;  // "", "udp" or "tcp" (TURN only)

  bool isTurn() const { return scheme == "turn" || scheme == "turns"; }

  // nullopt with `why` set when the text is not such a URL.
  static std::optional<IceServerUrl> parse(std::string_view text, std::string& why);
};

}  // namespace rtcgate::web
