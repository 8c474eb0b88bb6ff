#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rtcgate::tools {

// What a browser needs from the relay's SDP to reach its WebRTC port: where to send (the first
// UDP host candidate, else c=/m=), the ICE credentials, the DTLS fingerprint and setup role.
// Session- or media-level attributes are both accepted (relays differ in where they put them).
struct RemoteMedia {
  std::string host;
  std::uint16_t port = 0;
  std::string iceUfrag;
  std::string icePwd;
  std::string fingerprint;  // sha-256 value, "AB:CD:..."
  std::string setup;        // active, passive or actpass
  std::string protocol;     // of the first m= line
  bool iceLite = false;     // a=ice-lite: the relay only answers checks (RFC 8445 §2.5)

  static std::optional<RemoteMedia> fromSdp(std::string_view sdp);
  sockaddr_in socketAddress() const;
};

}  // namespace rtcgate::tools
