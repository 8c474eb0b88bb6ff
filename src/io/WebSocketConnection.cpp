#include "io/WebSocketConnection.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>
#include <optional>

#include "io/AddressConversion.hpp"
#include "io/WebSocketMessage.hpp"
#include "io/WebSocketSubprotocols.hpp"

namespace rtcgate::io {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using boost::system::error_code;

constexpr std::size_t kMaxHttpHeader = 8 * 1024;
constexpr std::string_view kSubprotocol = "sip";

bool offersSipSubprotocol(std::string_view header) {
  return offersWebSocketSubprotocol(header, kSubprotocol);
}

// RFC 6454: an Origin is compared as scheme://host[:port]; scheme and host are case-insensitive.
bool originAllowed(std::string_view origin, const std::vector<std::string>* allowed) {
  if (allowed == nullptr || origin.empty()) return true;
  std::string wanted(origin);
  for (auto& ch : wanted) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return std::find(allowed->begin(), allowed->end(), wanted) != allowed->end();
}

std::string_view toStd(beast::string_view view) { return {view.data(), view.size()}; }

template <class NextLayer>
class WebSocketConnection final : public Connection {
 public:
  static constexpr bool kTls = !std::is_same_v<NextLayer, beast::tcp_stream>;

  WebSocketConnection(std::uint64_t id, sip::Flow flow, ConnectionOwner& owner,
                      ConnectionLimits limits, asio::ip::tcp::socket socket,
                      asio::ssl::context* tlsContext)
      : Connection(id, flow, owner, limits),
        ws_(makeStream(std::move(socket), tlsContext)),
        timer_(ws_.get_executor()) {}

  void startAccepted() override {
    beast::get_lowest_layer(ws_).expires_after(limits().handshakeTimeout);
    if constexpr (kTls) {
      ws_.next_layer().async_handshake(
          asio::ssl::stream_base::server,
          [self = self()](const error_code& error) { self->onTlsHandshake(error); });
    } else {
      readRequest();
    }
  }

  bool send(std::string_view bytes) override {
    if (isClosed()) return false;
    if (queuedBytes_ + bytes.size() > limits().maxQueuedBytes) {
      spdlog::warn("sip {}: {} does not read; {} bytes queued, closing", transportName(),
                   flow().remote.toString(), queuedBytes_);
      countSendFailure();
      close(CloseReason::QueueOverflow);
      return false;
    }
    outbound_.emplace_back(bytes);
    queuedBytes_ += bytes.size();
    if (!writing_ && isEstablished()) writeNext();
    return true;
  }

  void close(CloseReason reason) override {
    if (isClosed()) return;
    beast::get_lowest_layer(ws_).close();
    timer_.cancel();
    markClosed(reason);
  }

 private:
  using Stream = websocket::stream<NextLayer>;

  static Stream makeStream(asio::ip::tcp::socket socket, asio::ssl::context* tlsContext) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *tlsContext);
    } else {
      (void)tlsContext;
      return Stream(std::move(socket));
    }
  }

  std::shared_ptr<WebSocketConnection> self() {
    return std::static_pointer_cast<WebSocketConnection>(shared_from_this());
  }

  std::string_view transportName() const { return sip::transportParamName(flow().transport); }

  TransportStats* stats() const { return owner() ? &owner()->counters() : nullptr; }

  void onTlsHandshake(const error_code& error) {
    if (isClosed()) return;
    if (error) {
      spdlog::warn("sip wss: TLS handshake with {} failed: {}", flow().remote.toString(),
                   error.message());
      if (auto* counters = stats()) ++counters->tlsHandshakeFailures;
      close(CloseReason::HandshakeFailed);
      return;
    }
    readRequest();
  }

  void readRequest() {
    parser_.emplace();
    parser_->header_limit(kMaxHttpHeader);
    parser_->body_limit(kMaxHttpHeader);
    http::async_read(
        ws_.next_layer(), buffer_, *parser_,
        [self = self()](const error_code& error, std::size_t) { self->onRequest(error); });
  }

  void onRequest(const error_code& error) {
    if (isClosed()) return;
    if (error) {
      if (error != http::error::end_of_stream) {
        spdlog::warn("sip {}: bad HTTP request from {}: {}", transportName(),
                     flow().remote.toString(), error.message());
        if (auto* counters = stats()) ++counters->webSocketHandshakeFailures;
      }
      close(CloseReason::HandshakeFailed);
      return;
    }
    auto request = parser_->release();
    if (!websocket::is_upgrade(request)) {
      serveHttp(request);
      return;
    }
    const auto origin = toStd(request[http::field::origin]);
    if (!originAllowed(origin, limits().webSocketAllowedOrigins.get())) {
      // A page of another site must not use the visitor's browser as a SIP client of ours.
      spdlog::warn(
          "sip {}: refused WebSocket upgrade from {}: Origin '{}' is not in "
          "sip.ws_allowed_origins",
          transportName(), flow().remote.toString(), origin);
      if (auto* counters = stats()) ++counters->webSocketHandshakeFailures;
      respond(http::status::forbidden, request.version(), "text/plain",
              "this Origin may not open SIP WebSockets here (sip.ws_allowed_origins)\n",
              CloseReason::HandshakeFailed);
      return;
    }
    if (!offersSipSubprotocol(toStd(request[http::field::sec_websocket_protocol]))) {
      spdlog::warn(
          "sip {}: refused WebSocket upgrade from {}: it does not offer the 'sip' "
          "subprotocol (RFC 7118), Sec-WebSocket-Protocol: '{}'",
          transportName(), flow().remote.toString(),
          toStd(request[http::field::sec_websocket_protocol]));
      if (auto* counters = stats()) ++counters->webSocketHandshakeFailures;
      respond(http::status::bad_request, request.version(), "text/plain",
              "WebSocket clients must offer the 'sip' subprotocol (RFC 7118)\n",
              CloseReason::HandshakeFailed);
      return;
    }
    accept(request);
  }

  void accept(const http::request<http::string_body>& request) {
    // From here Beast's own timers watch the socket: handshake limit, then a ping after one
    // silent interval and a close after two.
    beast::get_lowest_layer(ws_).expires_never();
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = limits().handshakeTimeout;
    timeouts.idle_timeout = limits().webSocketPingInterval * 2;
    timeouts.keep_alive_pings = true;
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& response) {
      response.set(http::field::sec_websocket_protocol,
                   beast::string_view(kSubprotocol.data(), kSubprotocol.size()));
      response.set(http::field::server, "rtcgate");
    }));
    ws_.read_message_max(limits().maxMessageSize);
    ws_.async_accept(request,
                     [self = self()](const error_code& error) { self->onAccepted(error); });
  }

  void onAccepted(const error_code& error) {
    if (isClosed()) return;
    if (error) {
      spdlog::warn("sip {}: WebSocket handshake with {} failed: {}", transportName(),
                   flow().remote.toString(), error.message());
      if (auto* counters = stats()) ++counters->webSocketHandshakeFailures;
      close(CloseReason::HandshakeFailed);
      return;
    }
    ws_.text(true);
    error_code ignored;
    const auto local = beast::get_lowest_layer(ws_).socket().local_endpoint(ignored);
    if (!ignored) setLocal(toSocketAddress(local));
    lastActivity_ = Clock::now();
    armTimer(lastActivity_ + limits().idleTimeout);
    markEstablished();
    if (isClosed()) return;
    if (!outbound_.empty()) writeNext();
    readFrame();
  }

  void serveHttp(const http::request<http::string_body>& request) {
    const bool get = request.method() == http::verb::get || request.method() == http::verb::head;
    if (!get) {
      respond(http::status::method_not_allowed, request.version(), "text/plain",
              "method not allowed\n", CloseReason::HttpServed);
      return;
    }
    auto target = toStd(request.target());
    target = target.substr(0, target.find('?'));
    std::optional<HttpResponse> answer = owner() ? owner()->httpRequest(target) : std::nullopt;
    if (!answer) {
      respond(http::status::not_found, request.version(), "text/plain", "not found\n",
              CloseReason::HttpServed);
      return;
    }
    respond(static_cast<http::status>(answer->status), request.version(), answer->contentType,
            std::move(answer->body), CloseReason::HttpServed, request.method() == http::verb::head);
  }

  // One response, then the connection closes (keeps the HTTP side small).
  void respond(http::status status, unsigned version, std::string_view contentType,
               std::string body, CloseReason after, bool headOnly = false) {
    response_.emplace(status, version);
    response_->set(http::field::server, "rtcgate");
    response_->set(http::field::content_type,
                   beast::string_view(contentType.data(), contentType.size()));
    response_->keep_alive(false);
    response_->body() = std::move(body);
    response_->prepare_payload();
    if (headOnly) response_->body().clear();
    http::async_write(
        ws_.next_layer(), *response_,
        [self = self(), after](const error_code&, std::size_t) { self->close(after); });
  }

  void readFrame() {
    ws_.async_read(frame_,
                   [self = self()](const error_code& error, std::size_t) { self->onFrame(error); });
  }

  void onFrame(const error_code& error) {
    if (isClosed()) return;
    if (error) {
      onReadError(error);
      return;
    }
    std::string message = beast::buffers_to_string(frame_.data());
    frame_.consume(frame_.size());
    lastActivity_ = Clock::now();
    switch (classifyWebSocketMessage(message)) {
      case WebSocketMessageKind::KeepAlivePing:
        if (auto* counters = stats()) ++counters->keepAlivePingsAnswered;
        send("\r\n");
        break;
      case WebSocketMessageKind::Blank:
        break;
      case WebSocketMessageKind::Sip:
        if (auto* owner = this->owner()) owner->connectionMessage(*this, std::move(message));
        break;
    }
    if (!isClosed()) readFrame();
  }

  void onReadError(const error_code& error) {
    if (error == websocket::error::message_too_big) {
      spdlog::warn("sip {}: closing connection from {}: frame larger than {} bytes",
                   transportName(), flow().remote.toString(), limits().maxMessageSize);
      if (auto* counters = stats()) ++counters->oversizeRefused;
      close(CloseReason::Oversize);
    } else if (error == beast::error::timeout) {
      spdlog::debug("sip {}: {} stopped answering pings", transportName(),
                    flow().remote.toString());
      if (auto* counters = stats()) ++counters->connectionsIdleClosed;
      close(CloseReason::IdleTimeout);
    } else if (error == websocket::error::closed || error == asio::error::eof ||
               error == asio::error::connection_reset) {
      close(CloseReason::PeerClosed);
    } else {
      spdlog::debug("sip {}: read from {} failed: {}", transportName(), flow().remote.toString(),
                    error.message());
      close(CloseReason::Error);
    }
  }

  void writeNext() {
    writing_ = true;
    ws_.async_write(asio::buffer(outbound_.front()),
                    [self = self()](const error_code& error, std::size_t) {
                      self->writing_ = false;
                      if (self->isClosed()) return;
                      if (error) {
                        self->countSendFailure();
                        self->close(CloseReason::Error);
                        return;
                      }
                      self->lastActivity_ = Clock::now();
                      self->queuedBytes_ -= self->outbound_.front().size();
                      self->outbound_.pop_front();
                      if (!self->outbound_.empty()) self->writeNext();
                    });
  }

  // Closes WebSockets that carried no SIP (messages or CRLF pings) for limits().idleTimeout;
  // WebSocket pings alone do not keep a connection.
  void armTimer(Clock::time_point deadline) {
    timer_.expires_at(deadline);
    timer_.async_wait([self = self()](const error_code& error) {
      if (!error) self->onTimer();
    });
  }

  void onTimer() {
    if (isClosed()) return;
    const auto deadline = lastActivity_ + limits().idleTimeout;
    if (Clock::now() < deadline) {
      armTimer(deadline);
      return;
    }
    if (keptWhileIdle()) {
      armTimer(Clock::now() + limits().idleTimeout);
      return;
    }
    spdlog::debug("sip {}: closing idle connection to {}", transportName(),
                  flow().remote.toString());
    if (auto* counters = stats()) ++counters->connectionsIdleClosed;
    close(CloseReason::IdleTimeout);
  }

  Stream ws_;
  asio::steady_timer timer_;
  Clock::time_point lastActivity_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> response_;
  beast::flat_buffer frame_;
  std::deque<std::string> outbound_;
  std::size_t queuedBytes_ = 0;
  bool writing_ = false;
};

}  // namespace

std::shared_ptr<Connection> makeWebSocketConnection(std::uint64_t id, sip::Flow flow,
                                                    ConnectionOwner& owner, ConnectionLimits limits,
                                                    asio::ip::tcp::socket socket,
                                                    asio::ssl::context* tlsContext) {
  if (tlsContext) {
    return std::make_shared<WebSocketConnection<beast::ssl_stream<beast::tcp_stream>>>(
        id, flow, owner, limits, std::move(socket), tlsContext);
  }
  return std::make_shared<WebSocketConnection<beast::tcp_stream>>(id, flow, owner, limits,
                                                                  std::move(socket), nullptr);
}

}  // namespace rtcgate::io
