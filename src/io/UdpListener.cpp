#include "io/UdpListener.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/ip/v6_only.hpp>

#include "io/AddressConversion.hpp"

namespace rtcgate::io {

namespace asio = boost::asio;
using asio::ip::udp;
using boost::system::error_code;

UdpListener::UdpListener(asio::io_context& io) : socket_(io) {}

error_code UdpListener::bind(const udp::endpoint& endpoint, SocketBuffers buffers) {
  error_code error;
  socket_.open(endpoint.protocol(), error);
  if (error) return error;
  SocketBuffers::apply(socket_.native_handle(), buffers);
  if (endpoint.address().is_v6()) socket_.set_option(asio::ip::v6_only(true), error);
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

void UdpListener::start(DatagramHandler handler) {
  handler_ = std::move(handler);
  receiveNext();
}

void UdpListener::receiveNext() {
  socket_.async_receive_from(
      asio::buffer(buffer_), sender_,
      [self = shared_from_this()](const error_code& error, std::size_t bytes) {
        if (error == asio::error::operation_aborted || !self->socket_.is_open()) return;
        // ICMP errors surface as connection_refused on Linux; keep receiving.
        if (!error && self->handler_) {
          self->handler_(std::string_view(self->buffer_.data(), bytes),
                         toSocketAddress(self->sender_));
        }
        if (self->socket_.is_open()) self->receiveNext();
      });
}

bool UdpListener::sendTo(const SocketAddress& remote, std::string_view bytes) {
  error_code error;
  socket_.send_to(asio::buffer(bytes.data(), bytes.size()), toEndpoint<udp::endpoint>(remote), 0,
                  error);
  if (error) {
    spdlog::debug("sip udp: send to {} failed: {}", remote.toString(), error.message());
    return false;
  }
  return true;
}

void UdpListener::close() {
  handler_ = nullptr;
  error_code ignored;
  socket_.close(ignored);
}

}  // namespace rtcgate::io
