#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "admin/RequestTarget.hpp"
#include "admin/Router.hpp"
#include "admin/WebSocketSession.hpp"
#include "base/SocketAddress.hpp"
#include "io/Status.hpp"

namespace rtcgate::admin {

class HttpSession;

// Takes over an accepted WebSocket: may limit its queue and set onClosed, then keeps what it needs
// (the server starts the session after the handler returns).
using WebSocketHandler =
    std::function<void(const std::shared_ptr<WebSocketSession>&, const RequestTarget&)>;

// The management HTTP server: Boost.Beast on the gateway's io_context (single-threaded, handlers
// run on the loop thread). Without a bearer token it refuses any non-loopback address, because an
// unauthenticated control API must never be reachable from the network.
class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, SocketAddress listen, std::string bearerToken);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Registers a handler; see Router::add. May be called before or after start(). Public routes
  // answer without the bearer token.
  void add(std::string method, std::string pattern, std::string help, Handler handler,
           Access access = Access::Token);

  // A WebSocket endpoint at GET `path` (listed in the index; a plain GET gets 426). The token
  // is checked as for the API, and may also come as ?token= because browsers cannot set headers
  // on a WebSocket.
  void addWebSocket(std::string path, std::string help, WebSocketHandler handler);
  // For HttpSession: the reply refusing an upgrade of `target` (401, 404, 400), or nullopt to go
  // ahead with upgrade().
  std::optional<HttpReply> refuseUpgrade(std::string_view target,
                                         std::string_view authorization) const;
  void upgrade(boost::beast::tcp_stream stream, WebSocketSession::Request request);

  io::Status start();
  void stop();  // closes the listener and every open connection, WebSockets included
  std::uint16_t port() const { return port_; }
  // Connections beyond this many open ones are closed at accept (default 64), so a client that
  // opens many idle connections cannot exhaust file descriptors of the gateway.
  void setMaxConnections(std::size_t limit) { maxConnections_ = limit; }

  const Router& router() const { return router_; }

  // Applies auth then routing; the part of request handling that needs no socket.
  HttpReply handle(std::string_view method, std::string_view target, std::string_view authorization,
                   std::string body) const;

 private:
  void accept();
  bool authorized(std::string_view authorization) const;

  boost::asio::io_context& io_;
  SocketAddress listen_;
  std::string token_;
  Router router_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::list<std::weak_ptr<HttpSession>> sessions_;
  std::map<std::string, WebSocketHandler, std::less<>> webSocketHandlers_;
  std::list<std::weak_ptr<WebSocketSession>> webSockets_;
  std::size_t maxConnections_ = 64;
  std::uint16_t port_ = 0;
  bool running_ = false;
};

}  // namespace rtcgate::admin
