#include "io/AddressConversion.hpp"

namespace rtcgate::io {

SocketAddress toSocketAddress(const boost::asio::ip::address& address, std::uint16_t port) {
  if (address.is_v4()) return SocketAddress::fromV4(address.to_v4().to_bytes(), port);
  return SocketAddress::fromV6(address.to_v6().to_bytes(), port);
}

boost::asio::ip::address toAsioAddress(const SocketAddress& address) {
  const auto& bytes = address.bytes();
  if (!address.isV6()) {
    return boost::asio::ip::address_v4({bytes[0], bytes[1], bytes[2], bytes[3]});
  }
  return boost::asio::ip::address_v6(bytes);
}

}  // namespace rtcgate::io
