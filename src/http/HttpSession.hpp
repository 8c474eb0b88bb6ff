#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <memory>
#include <optional>

#include "http/RequestGuard.hpp"

namespace rtcgate::http {

class HttpServer;
struct HttpReply;

// One accepted admin connection: reads requests (keep-alive honoured), lets the server answer
// them, writes the replies. Owned by its own pending operations.
class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;
  using Parser = boost::beast::http::request_parser<boost::beast::http::string_body>;

  HttpSession(boost::asio::ip::tcp::socket socket, HttpServer& server);

  // What every request is read with and what the server's checks see of it; public for the fuzz
  // target, which reads hostile bytes the way a session does.
  static void limit(Parser& parser);
  static RequestHeaders headersOf(const Request& request);

  void start() { read(); }
  void close();

 private:
  void read();
  void onRead(boost::beast::error_code error);
  void write(HttpReply reply, bool keepAlive);
  void onWrite(boost::beast::error_code error, bool keepAlive);
  // Whether the request was a WebSocket upgrade the server took over; `refusal` is set when it
  // was an upgrade the server refused.
  bool upgraded(std::optional<HttpReply>& refusal);

  boost::beast::tcp_stream stream_;
  HttpServer& server_;  // non-const: a WebSocket upgrade hands the connection over to it
  boost::beast::flat_buffer buffer_;
  std::optional<Parser> parser_;
  boost::beast::http::response<boost::beast::http::string_body> response_;
};

}  // namespace rtcgate::http
