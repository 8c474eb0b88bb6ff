#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

#include "base/SocketAddress.hpp"

namespace rtcgate::media {

// A socket address in the kernel's form, so the packet path compares and sends without
// conversions. Converts to/from the project's SocketAddress on the control path.
struct PeerAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;

  bool valid() const { return length != 0; }
  std::uint16_t port() const;

  // Same family, address and port; cheap enough for every packet.
  bool operator==(const PeerAddress& other) const {
    if (length != other.length || storage.ss_family != other.storage.ss_family) return false;
    if (storage.ss_family == AF_INET) {
      const auto& a = reinterpret_cast<const sockaddr_in&>(storage);
      const auto& b = reinterpret_cast<const sockaddr_in&>(other.storage);
      return a.sin_port == b.sin_port && a.sin_addr.s_addr == b.sin_addr.s_addr;
    }
    const auto& a = reinterpret_cast<const sockaddr_in6&>(storage);
    const auto& b = reinterpret_cast<const sockaddr_in6&>(other.storage);
    return a.sin6_port == b.sin6_port && std::memcmp(&a.sin6_addr, &b.sin6_addr, 16) == 0;
  }

  static PeerAddress from(const SocketAddress& address);
  SocketAddress toSocketAddress() const;
};

}  // namespace rtcgate::media
