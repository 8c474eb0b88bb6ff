#include "http/HttpSession.hpp"

#include <boost/asio/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <chrono>

#include "http/HttpServer.hpp"
#include "http/Json.hpp"

namespace rtcgate::http {
namespace {

namespace beast_http = boost::beast::http;

// An admin request is a small JSON document; anything larger is a mistake or an attack.
constexpr std::uint64_t kBodyLimit = 1024 * 1024;
constexpr std::uint32_t kHeaderLimit = 16 * 1024;
// Bounds how long an idle or trickling client can hold a connection.
constexpr std::chrono::seconds kIdleTimeout{30};

std::string_view toStd(boost::beast::string_view view) { return {view.data(), view.size()}; }

}  // namespace

HttpSession::HttpSession(boost::asio::ip::tcp::socket socket, HttpServer& server)
    : stream_(std::move(socket)), server_(server) {}

void HttpSession::limit(Parser& parser) {
  parser.body_limit(kBodyLimit);
  parser.header_limit(kHeaderLimit);
}

RequestHeaders HttpSession::headersOf(const Request& request) {
  return RequestHeaders{toStd(request[beast_http::field::host]),
                        toStd(request[beast_http::field::origin]),
                        toStd(request[beast_http::field::content_type]),
                        toStd(request[beast_http::field::authorization]),
                        toStd(request[beast_http::field::sec_websocket_protocol])};
}

void HttpSession::close() {
  boost::beast::error_code ignored;
  stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.close();
}

void HttpSession::read() {
  parser_.emplace();
  limit(*parser_);
  stream_.expires_after(kIdleTimeout);
  beast_http::async_read(stream_, buffer_, *parser_,
                         [self = shared_from_this()](boost::beast::error_code error, std::size_t) {
                           self->onRead(error);
                         });
}

void HttpSession::onRead(boost::beast::error_code error) {
  if (error == beast_http::error::end_of_stream || error == boost::asio::error::operation_aborted ||
      error == boost::beast::error::timeout || error == boost::asio::error::eof ||
      error == boost::asio::error::connection_reset) {
    close();
    return;
  }

  if (error) {
    // A request we could not parse cannot be answered in sequence; reply once and close.
    const bool tooLarge =
        error == beast_http::error::body_limit || error == beast_http::error::header_limit;
    write(HttpReply::error(tooLarge ? 413 : 400,
                           tooLarge ? "request too large" : "malformed HTTP request"),
          false);
    return;
  }
  std::optional<HttpReply> refusal;
  if (upgraded(refusal)) return;
  auto& request = parser_->get();
  const bool keepAlive = request.keep_alive();
  HttpReply reply = refusal
                        ? std::move(*refusal)
                        : server_.handle(toStd(request.method_string()), toStd(request.target()),
                                         headersOf(request), std::move(request.body()));
  if (reply.deferred) {
    // Nothing more is read from this connection until the reply is written (in order).
    reply.deferred([self = shared_from_this(), keepAlive](HttpReply later) {
      self->write(std::move(later), keepAlive);
    });
    return;
  }
  write(std::move(reply), keepAlive);
}

void HttpSession::write(HttpReply reply, bool keepAlive) {
  response_ = {};
  response_.version(11);
  response_.result(reply.status);
  response_.set(beast_http::field::content_type, reply.contentType);
  if (reply.status == 401) response_.set(beast_http::field::www_authenticate, "Bearer");
  response_.body() = std::move(reply.body);
  response_.set(beast_http::field::cache_control, "no-store");
  response_.keep_alive(keepAlive);
  response_.prepare_payload();
  stream_.expires_after(kIdleTimeout);
  beast_http::async_write(
      stream_, response_,
      [self = shared_from_this(), keepAlive](boost::beast::error_code writeError, std::size_t) {
        self->onWrite(writeError, keepAlive);
      });
}

bool HttpSession::upgraded(std::optional<HttpReply>& refusal) {
  auto& request = parser_->get();
  if (!boost::beast::websocket::is_upgrade(request)) return false;
  refusal = server_.refuseUpgrade(toStd(request.target()), headersOf(request));
  if (refusal) return false;
  server_.upgrade(std::move(stream_), parser_->release());
  return true;
}

void HttpSession::onWrite(boost::beast::error_code error, bool keepAlive) {
  if (error || !keepAlive) {
    close();
    return;
  }
  read();
}

}  // namespace rtcgate::http
