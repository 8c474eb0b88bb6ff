#include "sip/Transport.hpp"

#include <strings.h>

#include <array>

namespace rtcgate::sip {

namespace {
constexpr std::array<std::string_view, 5> kViaNames{"UDP", "TCP", "TLS", "WS", "WSS"};
constexpr std::array<std::string_view, 5> kParamNames{"udp", "tcp", "tls", "ws", "wss"};
}  // namespace

std::string_view viaTransportName(Transport t) { return kViaNames[static_cast<int>(t)]; }
std::string_view transportParamName(Transport t) { return kParamNames[static_cast<int>(t)]; }

bool parseTransport(std::string_view name, Transport& out) {
  for (std::size_t i = 0; i < kParamNames.size(); ++i) {
    if (name.size() == kParamNames[i].size() &&
        strncasecmp(name.data(), kParamNames[i].data(), name.size()) == 0) {
      out = static_cast<Transport>(i);
      return true;
    }
  }
  return false;
}

}  // namespace rtcgate::sip
