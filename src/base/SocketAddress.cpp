#include "base/SocketAddress.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace rtcgate {

std::optional<SocketAddress> SocketAddress::parse(std::string_view host, std::uint16_t port) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  char text[INET6_ADDRSTRLEN + 1];
  if (host.empty() || host.size() > INET6_ADDRSTRLEN) return std::nullopt;
  std::memcpy(text, host.data(), host.size());
  text[host.size()] = '\0';
  SocketAddress address;
  address.port_ = port;
  address.valid_ = true;
  if (inet_pton(AF_INET, text, address.bytes_.data()) == 1) return address;
  address.v6_ = true;
  if (inet_pton(AF_INET6, text, address.bytes_.data()) == 1) return address;
  return std::nullopt;
}

SocketAddress SocketAddress::fromV4(std::array<std::uint8_t, 4> bytes, std::uint16_t port) {
  SocketAddress address;
  std::memcpy(address.bytes_.data(), bytes.data(), 4);
  address.port_ = port;
  address.valid_ = true;
  return address;
}

SocketAddress SocketAddress::fromV6(std::array<std::uint8_t, 16> bytes, std::uint16_t port) {
  SocketAddress address;
  address.bytes_ = bytes;
  address.port_ = port;
  address.v6_ = true;
  address.valid_ = true;
  return address;
}

std::string SocketAddress::host() const {
  if (!valid_) return "";
  char text[INET6_ADDRSTRLEN];
  inet_ntop(v6_ ? AF_INET6 : AF_INET, bytes_.data(), text, sizeof text);
  return text;
}

std::string SocketAddress::hostForUri() const { return v6_ ? "[" + host() + "]" : host(); }

std::string SocketAddress::toString() const { return hostForUri() + ":" + std::to_string(port_); }

bool SocketAddress::sameHost(const SocketAddress& other) const {
  return v6_ == other.v6_ && bytes_ == other.bytes_;
}

std::size_t SocketAddressHash::operator()(const SocketAddress& address) const {
  std::size_t hash = address.port() * 1099511628211ULL;
  for (auto byte : address.bytes()) hash = (hash ^ byte) * 1099511628211ULL;
  return hash;
}

}  // namespace rtcgate
