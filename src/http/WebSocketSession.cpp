#include "http/WebSocketSession.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <chrono>

namespace rtcgate::http {
namespace {

namespace websocket = boost::beast::websocket;

// Beast pings an idle peer after half of this and drops it if nothing came back by the end, so a
// vanished browser does not keep a subscription (and its backlog) forever.
constexpr std::chrono::seconds kIdleTimeout{60};
constexpr std::chrono::seconds kHandshakeTimeout{10};
// How long close() waits for the close frame to go out behind a write to a peer that stopped
// reading, before it cuts the connection.
constexpr std::chrono::seconds kCloseGrace{2};
// Clients only send control frames and maybe a word; anything bigger is refused.
constexpr std::size_t kReadLimit = 64 * 1024;

}  // namespace

WebSocketSession::WebSocketSession(boost::beast::tcp_stream stream)
    : ws_(std::move(stream)), closeDeadline_(ws_.get_executor()) {}

void WebSocketSession::start(Request request) {
  // The websocket stream runs its own timers; the HTTP session's deadline must not linger.
  boost::beast::get_lowest_layer(ws_).expires_never();
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = kHandshakeTimeout;
  timeouts.idle_timeout = kIdleTimeout;
  timeouts.keep_alive_pings = true;
  ws_.set_option(timeouts);
  ws_.read_message_max(kReadLimit);
  ws_.text(true);
  if (!subprotocol_.empty()) {
    ws_.set_option(websocket::stream_base::decorator(
        [name = subprotocol_](websocket::response_type& response) {
          response.set(boost::beast::http::field::sec_websocket_protocol, name);
        }));
  }
  ws_.async_accept(request, [self = shared_from_this()](boost::beast::error_code error) {
    if (error || self->state_ != State::Handshake) {
      self->finish();
      return;
    }
    self->state_ = State::Open;
    if (self->closeAfterHandshake_) {
      self->close();
      return;
    }
    self->read();
    self->writeNext();
  });
}

bool WebSocketSession::send(SharedText text) {
  if (state_ == State::Closing || state_ == State::Closed) return false;
  queue_.push(std::move(text));
  writeNext();
  return true;
}

void WebSocketSession::close() {
  if (state_ == State::Closing || state_ == State::Closed) return;
  if (state_ == State::Handshake) {
    // The peer may already hold our 101 and expect a close frame; the handshake timeout bounds
    // the wait for one that never reads it.
    closeAfterHandshake_ = true;
    return;
  }
  state_ = State::Closing;
  queue_.clear();
  ws_.async_close(websocket::close_code::going_away,
                  [self = shared_from_this()](boost::beast::error_code) { self->finish(); });
  closeDeadline_.expires_after(kCloseGrace);
  closeDeadline_.async_wait([self = shared_from_this()](boost::beast::error_code error) {
    if (!error) self->finish();
  });
}

void WebSocketSession::read() {
  ws_.async_read(readBuffer_,
                 [self = shared_from_this()](boost::beast::error_code error, std::size_t) {
                   // Closed by the peer (Beast answered its close frame), timed out, or reset.
                   if (error) {
                     self->finish();
                     return;
                   }
                   self->readBuffer_.clear();
                   self->read();
                 });
}

void WebSocketSession::writeNext() {
  if (state_ != State::Open || writing_ || queue_.empty()) return;
  writing_ = queue_.front();
  queue_.pop();
  ws_.async_write(boost::asio::buffer(*writing_),
                  [self = shared_from_this()](boost::beast::error_code error, std::size_t) {
                    self->writing_.reset();
                    if (error) {
                      self->finish();
                      return;
                    }
                    self->writeNext();
                  });
}

void WebSocketSession::finish() {
  if (state_ == State::Closed) return;
  state_ = State::Closed;
  queue_.clear();
  closeDeadline_.cancel();
  boost::beast::error_code ignored;
  boost::beast::get_lowest_layer(ws_).socket().close(ignored);
  if (auto callback = std::move(onClosed_)) callback();
}

}  // namespace rtcgate::http
