#include "base/AddressRange.hpp"

#include <algorithm>
#include <charconv>

namespace rtcgate {
namespace {

// ::ffff:a.b.c.d as the IPv4 address a.b.c.d; any other address unchanged.
SocketAddress unmapped(const SocketAddress& address) {
  if (!address.isV6()) return address;
  const auto& bytes = address.bytes();
  const bool mapped =
      std::all_of(bytes.begin(), bytes.begin() + 10, [](auto b) { return b == 0; }) &&
      bytes[10] == 0xff && bytes[11] == 0xff;
  if (!mapped) return address;
  return SocketAddress::fromV4({bytes[12], bytes[13], bytes[14], bytes[15]}, address.port());
}

}  // namespace

std::optional<AddressRange> AddressRange::parse(std::string_view text) {
  const auto slash = text.find('/');
  auto network = SocketAddress::parse(text.substr(0, slash), 0);
  if (!network) return std::nullopt;
  const unsigned maxBits = network->isV6() ? 128 : 32;
  unsigned bits = maxBits;
  if (slash != std::string_view::npos) {
    const auto digits = text.substr(slash + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), bits);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
        bits > maxBits) {
      return std::nullopt;
    }
  }
  AddressRange range;
  range.network_ = *network;
  range.prefixBits_ = bits;
  return range;
}

bool AddressRange::contains(const SocketAddress& address) const {
  const SocketAddress peer = unmapped(address);
  if (!peer.valid() || peer.isV6() != network_.isV6()) return false;
  const auto& a = peer.bytes();
  const auto& b = network_.bytes();
  const unsigned whole = prefixBits_ / 8;
  if (!std::equal(a.begin(), a.begin() + whole, b.begin())) return false;
  const unsigned rest = prefixBits_ % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

}  // namespace rtcgate
