#pragma once

#include <string>

#include "media/packet/PeerAddress.hpp"

namespace rtcgate::media {

// One of the relay's named media interfaces (rtpengine's logical interface): the address a leg's
// ports bind to and the address its SDP advertises. A call party's lines all live on one
// interface, so a leg toward the Internet and a leg toward a private network (or IPv4 and IPv6)
// each get ports and an SDP address of their own network.
struct LocalInterface {
  std::string name;
  PeerAddress bindAddress;
  std::string advertise;  // c=/o= and candidate address; IPv6 when it has a ':'

  bool ipv6() const { return advertise.find(':') != std::string::npos; }
};

}  // namespace rtcgate::media
