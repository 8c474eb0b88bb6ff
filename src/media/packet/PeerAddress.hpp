#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

#include "base/SocketAddress.hpp"

namespace rtcgate::media {

// A socket address in the kernel's form, so the packet path compares and sends without
// conversions. Converts to/from the project's SocketAddress on the control path. Stored as a
// sockaddr_in6 (28 bytes, holds a sockaddr_in too) rather than sockaddr_storage (128 bytes): every
// media port keeps two of these, and per-session memory matters at 10,000 sessions.
struct PeerAddress {
  sockaddr_in6 storage{};
  socklen_t length = 0;

  bool valid() const { return length != 0; }
  std::uint16_t port() const;
  bool isWildcard() const;  // 0.0.0.0 or ::
  // Same family and address, any port.
  bool sameHost(const PeerAddress& other) const;

  // Same family, address and port; cheap enough for every packet.
  bool operator==(const PeerAddress& other) const {
    if (length != other.length || storage.sin6_family != other.storage.sin6_family) return false;
    if (storage.sin6_family == AF_INET) {
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
