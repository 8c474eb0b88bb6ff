#pragma once

#include <boost/asio/ip/tcp.hpp>

namespace rtcgate::io {

// Every stream socket, accepted or connected, sends each write at once (TCP_NODELAY): a message
// written right after another (a 407 after its 100 Trying) must not wait for the peer's delayed
// ACK of the first (Nagle's algorithm: about 40 ms). Writes are whole messages already.
inline void setNoDelay(boost::asio::ip::tcp::socket::lowest_layer_type& socket) {
  boost::system::error_code ignored;  // only a closed socket refuses, and its reader sees why
  socket.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
}

}  // namespace rtcgate::io
