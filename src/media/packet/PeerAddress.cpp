#include "media/packet/PeerAddress.hpp"

#include <arpa/inet.h>

#include <array>

namespace rtcgate::media {

std::uint16_t PeerAddress::port() const {
  if (storage.sin6_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in&>(storage).sin_port);
  }
  if (storage.sin6_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6&>(storage).sin6_port);
  }
  return 0;
}

bool PeerAddress::isWildcard() const {
  if (storage.sin6_family == AF_INET)
    return reinterpret_cast<const sockaddr_in&>(storage).sin_addr.s_addr == htonl(INADDR_ANY);
  return IN6_IS_ADDR_UNSPECIFIED(&storage.sin6_addr);
}

bool PeerAddress::sameHost(const PeerAddress& other) const {
  if (length != other.length || storage.sin6_family != other.storage.sin6_family) return false;
  if (storage.sin6_family == AF_INET) {
    return reinterpret_cast<const sockaddr_in&>(storage).sin_addr.s_addr ==
           reinterpret_cast<const sockaddr_in&>(other.storage).sin_addr.s_addr;
  }
  return std::memcmp(&storage.sin6_addr, &other.storage.sin6_addr, 16) == 0;
}

PeerAddress PeerAddress::from(const SocketAddress& address) {
  PeerAddress peer;
  if (!address.valid()) return peer;
  if (address.isV6()) {
    auto& in6 = reinterpret_cast<sockaddr_in6&>(peer.storage);
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons(address.port());
    std::memcpy(&in6.sin6_addr, address.bytes().data(), 16);
    peer.length = sizeof(sockaddr_in6);
  } else {
    auto& in4 = reinterpret_cast<sockaddr_in&>(peer.storage);
    in4.sin_family = AF_INET;
    in4.sin_port = htons(address.port());
    std::memcpy(&in4.sin_addr, address.bytes().data(), 4);
    peer.length = sizeof(sockaddr_in);
  }
  return peer;
}

SocketAddress PeerAddress::toSocketAddress() const {
  if (storage.sin6_family == AF_INET) {
    const auto& in4 = reinterpret_cast<const sockaddr_in&>(storage);
    std::array<std::uint8_t, 4> bytes{};
    std::memcpy(bytes.data(), &in4.sin_addr, 4);
    return SocketAddress::fromV4(bytes, ntohs(in4.sin_port));
  }
  if (storage.sin6_family == AF_INET6) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(storage);
    std::array<std::uint8_t, 16> bytes{};
    std::memcpy(bytes.data(), &in6.sin6_addr, 16);
    return SocketAddress::fromV6(bytes, ntohs(in6.sin6_port));
  }
  return {};
}

}  // namespace rtcgate::media
