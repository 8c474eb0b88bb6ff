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
//
// It also listens for ICMP errors (IP_RECVERR / IPV6_RECVERR): when the kernel reports that a
// destination we sent to is unreachable (port or host/net unreachable, administratively
// prohibited), the destination is handed to the UnreachableHandler, so that what waits on it can
// fail now rather than at a timeout (RFC 3263 4.3). Other ICMP errors (fragmentation needed,
// time exceeded) are ignored. The error queue is only read when the kernel has signalled an
// error, never for a normal datagram.
class UdpListener : public std::enable_shared_from_this<UdpListener> {
 public:
  using DatagramHandler = std::function<void(std::string_view bytes, const SocketAddress& remote)>;
  // `remote` is the destination of the datagram the ICMP error was about.
  using UnreachableHandler = std::function<void(const SocketAddress& remote)>;

  explicit UdpListener(boost::asio::io_context& io);

  // `buffers` of zero leave the kernel's defaults.
  boost::system::error_code bind(const boost::asio::ip::udp::endpoint& endpoint,
                                 SocketBuffers buffers = {});
  void start(DatagramHandler handler, UnreachableHandler unreachable = nullptr);
  bool sendTo(const SocketAddress& remote, std::string_view bytes);
  void close();

  const SocketAddress& local() const { return local_; }
  SocketBuffers buffers() { return SocketBuffers::actual(socket_.native_handle()); }
  std::uint64_t drops() { return SocketBuffers::drops(socket_.native_handle()); }

 private:
  void receiveNext();
  // Reads the socket's ICMP error queue until it is empty, reporting the unreachable ones.
  void readErrorQueue();
  // A send found an error the kernel had queued: read the queue from the loop, not from inside
  // the send (whoever sends must not be re-entered).
  void readErrorQueueSoon();

  boost::asio::ip::udp::socket socket_;
  boost::asio::ip::udp::endpoint sender_;
  SocketAddress local_;
  DatagramHandler handler_;
  UnreachableHandler unreachable_;
  bool errorQueueReadPosted_ = false;
  // 64 KiB holds any UDP payload, so datagrams are never truncated.
  std::array<char, 64 * 1024> buffer_;
};

}  // namespace rtcgate::io
