#pragma once

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <functional>
#include <memory>
#include <string_view>

#include "base/SocketAddress.hpp"
#include "io/SocketBuffers.hpp"

namespace rtcgate::io {

// A bound UDP socket for SIP: hands every datagram on as bytes (no SIP parsing here) and sends
// without blocking (a datagram that would block is dropped: UDP is lossy anyway, and the
// transaction layer retransmits).
class UdpListener : public std::enable_shared_from_this<UdpListener> {
 public:
  using DatagramHandler = std::function<void(std::string_view bytes, const SocketAddress& remote)>;

  explicit UdpListener(boost::asio::io_context& io);

  // `buffers` of zero leave the kernel's defaults.
  boost::system::error_code bind(const boost::asio::ip::udp::endpoint& endpoint,
                                 SocketBuffers buffers = {});
  void start(DatagramHandler handler);
  bool sendTo(const SocketAddress& remote, std::string_view bytes);
  void close();

  const SocketAddress& local() const { return local_; }
  SocketBuffers buffers() { return SocketBuffers::actual(socket_.native_handle()); }
  std::uint64_t drops() { return SocketBuffers::drops(socket_.native_handle()); }

 private:
  void receiveNext();

  boost::asio::ip::udp::socket socket_;
  boost::asio::ip::udp::endpoint sender_;
  SocketAddress local_;
  DatagramHandler handler_;
  // 64 KiB holds any UDP payload, so datagrams are never truncated.
  std::array<char, 64 * 1024> buffer_;
};

}  // namespace rtcgate::io
