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

  std::string toJson() const;  // {"domains":["localhost"],"wss":"wss://127.0.0.1:8443"}

  // "wss://host:port" for a listener address; IPv6 hosts are bracketed.
  static std::string wssUrlFor(std::string_view host, unsigned port);
};

}  // namespace rtcgate::web
