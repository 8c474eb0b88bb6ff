#pragma once

#include <string>

#include "base/SocketAddress.hpp"
#include "sip/Transport.hpp"

namespace rtcgate::dns {

// One place a SIP request may be sent to (RFC 3263 section 4): a transport, an address and port,
// and the name it was found under (what a TLS peer's certificate must show; empty for an address
// written as a literal).
struct Destination {
  sip::Transport transport = sip::Transport::Udp;
  SocketAddress address;
  std::string host;
  friend bool operator==(const Destination& a, const Destination& b) {
    return a.transport == b.transport && a.address == b.address;
  }
};

}  // namespace rtcgate::dns
