#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "base/SocketAddress.hpp"

namespace rtcgate {

// A block of addresses in CIDR notation ("127.0.0.0/8", "2001:db8::/32"; a bare address is a
// block of one), for allow-lists of peers. An IPv4-mapped IPv6 peer (::ffff:192.0.2.1, what a
// dual-stack socket reports) is matched as the IPv4 address it carries.
class AddressRange {
 public:
  // nullopt when not an address literal with an optional prefix length that fits its family.
  static std::optional<AddressRange> parse(std::string_view text);

  bool contains(const SocketAddress& address) const;

 private:
  SocketAddress network_;
  unsigned prefixBits_ = 0;
};

}  // namespace rtcgate
