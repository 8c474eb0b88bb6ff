#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace rtcgate::web {

// The defaults the demo phone fetches as /phone/config.json: the SIP domains users register in
// and the WebSocket URL of the gateway's wss listener, so that a page opened on another port or
// host (the management server, 127.0.0.1 rather than "localhost") still starts with working values.
struct PhoneConfig {
  std::vector<std::string> domains;  // sip.domains, the first one is the default
  std::string wssUrl;                // "wss://127.0.0.1:8443"; empty when there is no wss listener
  std::vector<std::string> iceServers;  // webrtc.ice_servers
  // Whether /phone/turn-credentials hands out credentials for the TURN URLs (a TURN secret is
  // configured): the phone then fetches them before each call.
  bool turnCredentials = false;

  // {"domains":["localhost"],"wss":"wss://127.0.0.1:8443","ice_servers":[],"turn":false}
  std::string toJson() const;

  // "wss://host:port" for a listener address; IPv6 hosts are bracketed.
  static std::string wssUrlFor(std::string_view host, unsigned port);
};

}  // namespace rtcgate::web
