#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rtcgate {

// An IPv4 or IPv6 address with a port, as a plain value (no sockets, no name resolution), so the
// protocol layers can name peers without depending on the I/O library.
class SocketAddress {
 public:
  SocketAddress() = default;

  // "192.0.2.1" or "2001:db8::1" / "[2001:db8::1]"; nullopt when not a literal address.
  static std::optional<SocketAddress> parse(std::string_view host, std::uint16_t port);
  static SocketAddress fromV4(std::array<std::uint8_t, 4> bytes, std::uint16_t port);
  static SocketAddress fromV6(std::array<std::uint8_t, 16> bytes, std::uint16_t port);

  bool isV6() const { return v6_; }
  bool valid() const { return valid_; }
  std::uint16_t port() const { return port_; }
  void setPort(std::uint16_t port) { port_ = port; }
  const std::array<std::uint8_t, 16>& bytes() const { return bytes_; }  // v4 uses the first 4

  std::string host() const;        // "192.0.2.1", "2001:db8::1"
  std::string hostForUri() const;  // "192.0.2.1", "[2001:db8::1]"
  std::string toString() const;    // "192.0.2.1:5060", "[2001:db8::1]:5060"
  bool sameHost(const SocketAddress& other) const;

  friend bool operator==(const SocketAddress&, const SocketAddress&) = default;

 private:
  std::array<std::uint8_t, 16> bytes_{};
  std::uint16_t port_ = 0;
  bool v6_ = false;
  bool valid_ = false;
};

struct SocketAddressHash {
  std::size_t operator()(const SocketAddress& address) const;
};

}  // namespace rtcgate
