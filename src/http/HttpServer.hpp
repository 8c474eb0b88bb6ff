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

#include "base/SocketAddress.hpp"
#include "http/BearerToken.hpp"
#include "http/RequestGuard.hpp"
#include "http/RequestTarget.hpp"
#include "http/Router.hpp"
#include "http/WebSocketSession.hpp"
#include "io/Status.hpp"

namespace rtcgate::http {

class HttpSession;

// Takes over an accepted WebSocket: may limit its queue and set onClosed, then keeps what it needs
// (the server starts the session after the handler returns).
using WebSocketHandler =
    std::function<void(const std::shared_ptr<WebSocketSession>&, const RequestTarget&)>;

// The management HTTP server: Boost.Beast on the gateway's io_context (single-threaded, handlers
// run on the loop thread). Without a bearer token it refuses any non-loopback address, because an
// unauthenticated control API must never be reachable from the network; and whatever the token,
// web pages cannot use it through a browser (RequestGuard: Host, Origin, Content-Type).
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

  // A WebSocket endpoint at GET `path` (listed in the index; a plain GET gets 426). Host and
  // Origin are checked as for the API; the token comes in the Authorization header or, from
  // browsers (which cannot set headers on a WebSocket), as the subprotocol "bearer.<token>" next
  // to kWebSocketSubprotocol, which the server then selects. Never in the URL.
  void addWebSocket(std::string path, std::string help, WebSocketHandler handler);
  static constexpr std::string_view kWebSocketSubprotocol = "rtcgate.events";
  // For HttpSession: the reply refusing an upgrade of `target` (403, 401, 404, 400), or nullopt
  // to go ahead with upgrade().
  std::optional<HttpReply> refuseUpgrade(std::string_view target, const RequestHeaders& headers);
  void upgrade(boost::beast::tcp_stream stream, WebSocketSession::Request request);

  // Host names the API answers to (http.allowed_hosts) besides RequestGuard::defaultHosts of
  // the bound address, which start() adds; before start(). They apply at once, so that handle()
  // without a socket (the fuzz target) guards as the running server does.
  void allowHosts(std::vector<std::string> hosts);
  const RequestGuard::Refusals& guardRefusals() const { return guard_.refusals(); }
  const std::uint64_t& tokenRefusals() const { return tokenRefusals_; }

  io::Status start();
  void stop();  // closes the listener and every open connection, WebSockets included
  std::uint16_t port() const { return port_; }
  // Connections beyond this many open ones are closed at accept (default 64), so a client that
  // opens many idle connections cannot exhaust file descriptors of the gateway.
  void setMaxConnections(std::size_t limit) { maxConnections_ = limit; }

  const Router& router() const { return router_; }

  // The part of request handling that needs no socket: the browser checks, auth, routing.
  HttpReply handle(std::string_view method, std::string_view target, const RequestHeaders& headers,
                   std::string body);
  // Auth and routing only, for tests of the routes.
  HttpReply handle(std::string_view method, std::string_view target, std::string_view authorization,
                   std::string body) const;

 private:
  void accept();

  SocketAddress listen_;
  BearerToken token_;
  RequestGuard guard_;
  std::vector<std::string> configuredHosts_;
  std::uint64_t tokenRefusals_ = 0;
  Router router_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::list<std::weak_ptr<HttpSession>> sessions_;
  std::map<std::string, WebSocketHandler, std::less<>> webSocketHandlers_;
  std::list<std::weak_ptr<WebSocketSession>> webSockets_;
  std::size_t maxConnections_ = 64;
  std::uint16_t port_ = 0;
  bool running_ = false;
};

}  // namespace rtcgate::http
