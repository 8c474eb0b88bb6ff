#include "io/StreamListener.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/ip/v6_only.hpp>

#include "io/AddressConversion.hpp"
#include "io/NoDelay.hpp"

namespace rtcgate::io {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

StreamListener::StreamListener(asio::io_context& io, sip::Transport transport)
    : acceptor_(io), retryTimer_(io), transport_(transport) {}

error_code StreamListener::bind(const tcp::endpoint& endpoint) {
  error_code error;
  acceptor_.open(endpoint.protocol(), error);
  if (error) return error;
  acceptor_.set_option(tcp::acceptor::reuse_address(true), error);
  if (!error && endpoint.address().is_v6()) acceptor_.set_option(asio::ip::v6_only(true), error);
  if (!error) acceptor_.bind(endpoint, error);
  if (!error) acceptor_.listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    error_code ignored;
    acceptor_.close(ignored);
    return error;
  }
  local_ = toSocketAddress(acceptor_.local_endpoint(error));
  return error;
}

void StreamListener::start(AcceptHandler handler) {
  handler_ = std::move(handler);
  acceptNext();
}

void StreamListener::acceptNext() {
  acceptor_.async_accept([self = shared_from_this()](const error_code& error, tcp::socket socket) {
    if (error == asio::error::operation_aborted || !self->acceptor_.is_open()) return;
    if (error) {
      spdlog::warn("sip {}: accept on {} failed: {}", sip::transportParamName(self->transport_),
                   self->local_.toString(), error.message());
      self->retryTimer_.expires_after(std::chrono::milliseconds(100));
      self->retryTimer_.async_wait([self](const error_code& timerError) {
        if (!timerError && self->acceptor_.is_open()) self->acceptNext();
      });
      return;
    }
    setNoDelay(socket);
    if (self->handler_) self->handler_(self->transport_, std::move(socket));
    self->acceptNext();
  });
}

void StreamListener::close() {
  handler_ = nullptr;
  error_code ignored;
  acceptor_.close(ignored);
  retryTimer_.cancel();
}

}  // namespace rtcgate::io
