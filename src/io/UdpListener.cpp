#include "io/UdpListener.hpp"

#include <linux/errqueue.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstring>

#include "io/AddressConversion.hpp"

namespace rtcgate::io {

namespace asio = boost::asio;
using asio::ip::udp;
using boost::system::error_code;

namespace {

// The ICMP errors that say nobody will answer at that destination: port unreachable, host or
// network unreachable or unknown, administratively prohibited. Fragmentation needed, time
// exceeded and the like say nothing about the peer being gone.
bool isUnreachable(const sock_extended_err& error) {
  if (error.ee_origin == SO_EE_ORIGIN_ICMP && error.ee_type == ICMP_DEST_UNREACH) {
    switch (error.ee_code) {
      case ICMP_NET_UNREACH:
      case ICMP_HOST_UNREACH:
      case ICMP_PORT_UNREACH:
      case ICMP_NET_UNKNOWN:
      case ICMP_HOST_UNKNOWN:
      case ICMP_NET_ANO:
      case ICMP_HOST_ANO:
      case ICMP_PKT_FILTERED:
        return true;
      default:
        return false;
    }
  }
  if (error.ee_origin == SO_EE_ORIGIN_ICMP6 && error.ee_type == ICMP6_DST_UNREACH) {
    switch (error.ee_code) {
      case ICMP6_DST_UNREACH_NOROUTE:
      case ICMP6_DST_UNREACH_ADMIN:
      case ICMP6_DST_UNREACH_ADDR:
      case ICMP6_DST_UNREACH_NOPORT:
      case 5:  // source address failed ingress/egress policy (RFC 4443)
      case 6:  // reject route to destination (RFC 4443)
        return true;
      default:
        return false;
    }
  }
  return false;
}

bool isRecvErr(const cmsghdr& header) {
  return (header.cmsg_level == SOL_IP && header.cmsg_type == IP_RECVERR) ||
         (header.cmsg_level == SOL_IPV6 && header.cmsg_type == IPV6_RECVERR);
}

// The errors a send returns when it picked up an ICMP error queued for an earlier datagram
// (Linux hands the pending socket error to whichever call comes first), not one of its own.
bool isQueuedIcmpError(const error_code& error) {
  return error == asio::error::connection_refused || error == asio::error::host_unreachable ||
         error == asio::error::network_unreachable || error == asio::error::access_denied;
}

}  // namespace

UdpListener::UdpListener(asio::io_context& io) : socket_(io) {}

error_code UdpListener::bind(const udp::endpoint& endpoint, SocketBuffers buffers) {
  error_code error;
  socket_.open(endpoint.protocol(), error);
  if (error) return error;
  SocketBuffers::apply(socket_.native_handle(), buffers);
  const bool v6 = endpoint.address().is_v6();
  if (v6) socket_.set_option(asio::ip::v6_only(true), error);
  // Without it Linux keeps ICMP errors of an unconnected socket to itself.
  const int on = 1;
  if (!error && ::setsockopt(socket_.native_handle(), v6 ? SOL_IPV6 : SOL_IP,
                             v6 ? IPV6_RECVERR : IP_RECVERR, &on, sizeof on) != 0) {
    error = error_code(errno, boost::system::system_category());
  }
  if (!error) socket_.bind(endpoint, error);
  if (!error) socket_.non_blocking(true, error);
  if (error) {
    error_code ignored;
    socket_.close(ignored);
    return error;
  }
  local_ = toSocketAddress(socket_.local_endpoint(error));
  return error;
}

void UdpListener::start(DatagramHandler handler, UnreachableHandler unreachable) {
  handler_ = std::move(handler);
  unreachable_ = std::move(unreachable);
  receiveNext();
}

void UdpListener::receiveNext() {
  socket_.async_receive_from(
      asio::buffer(buffer_), sender_,
      [self = shared_from_this()](const error_code& error, std::size_t bytes) {
        if (error == asio::error::operation_aborted || !self->socket_.is_open()) return;
        if (error) {
          // ICMP errors surface here (connection_refused and the like); the details wait in
          // the error queue. Keep receiving either way.
          self->readErrorQueue();
        } else if (self->handler_) {
          self->handler_(std::string_view(self->buffer_.data(), bytes),
                         toSocketAddress(self->sender_));
        }
        if (self->socket_.is_open()) self->receiveNext();
      });
}

void UdpListener::readErrorQueue() {
  while (socket_.is_open()) {
    sockaddr_storage name{};
    alignas(cmsghdr) std::array<char, 512> control{};
    msghdr message{};
    message.msg_name = &name;
    message.msg_namelen = sizeof name;
    message.msg_control = control.data();
    message.msg_controllen = control.size();
    // No buffer for the payload (the datagram we sent): only the address and the error matter.
    if (::recvmsg(socket_.native_handle(), &message, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) {
      if (errno == EINTR) continue;
      return;  // EAGAIN: the queue is empty
    }
    for (cmsghdr* header = CMSG_FIRSTHDR(&message); header != nullptr;
         header = CMSG_NXTHDR(&message, header)) {
      if (!isRecvErr(*header)) continue;
      sock_extended_err error{};
      std::memcpy(&error, CMSG_DATA(header), sizeof error);
      if (!isUnreachable(error) || message.msg_namelen == 0) continue;
      udp::endpoint destination;
      std::memcpy(destination.data(), &name,
                  std::min<std::size_t>(message.msg_namelen, destination.capacity()));
      destination.resize(std::min<std::size_t>(message.msg_namelen, destination.capacity()));
      if (unreachable_) unreachable_(toSocketAddress(destination));
    }
  }
}

void UdpListener::readErrorQueueSoon() {
  if (errorQueueReadPosted_) return;
  errorQueueReadPosted_ = true;
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    self->errorQueueReadPosted_ = false;
    self->readErrorQueue();
  });
}

bool UdpListener::sendTo(const SocketAddress& remote, std::string_view bytes) {
  const auto endpoint = toEndpoint<udp::endpoint>(remote);
  error_code error;
  socket_.send_to(asio::buffer(bytes.data(), bytes.size()), endpoint, 0, error);
  if (error && isQueuedIcmpError(error)) {
    // Most likely an error about an earlier datagram to somewhere else, which the send took off
    // the socket: this datagram was not sent. Read the queue later, and send it again.
    readErrorQueueSoon();
    socket_.send_to(asio::buffer(bytes.data(), bytes.size()), endpoint, 0, error);
  }
  if (error) {
    spdlog::debug("sip udp: send to {} failed: {}", remote.toString(), error.message());
    return false;
  }
  return true;
}

void UdpListener::close() {
  handler_ = nullptr;
  unreachable_ = nullptr;
  error_code ignored;
  socket_.close(ignored);
}

}  // namespace rtcgate::io
