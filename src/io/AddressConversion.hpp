#pragma once

#include <boost/asio/ip/address.hpp>
#include <cstdint>

#include "base/SocketAddress.hpp"

namespace rtcgate::io {

// Between Asio's addresses and the plain SocketAddress the protocol layers use.
SocketAddress toSocketAddress(const boost::asio::ip::address& address, std::uint16_t port);
boost::asio::ip::address toAsioAddress(const SocketAddress& address);

template <class Endpoint>
SocketAddress toSocketAddress(const Endpoint& endpoint) {
  return toSocketAddress(endpoint.address(), endpoint.port());
}

template <class Endpoint>
Endpoint toEndpoint(const SocketAddress& address) {
  return Endpoint(toAsioAddress(address), address.port());
}

}  // namespace rtcgate::io
