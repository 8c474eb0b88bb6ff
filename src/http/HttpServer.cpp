#include "http/HttpServer.hpp"

#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <boost/asio/socket_base.hpp>

#include "http/HttpSession.hpp"
#include "io/AddressConversion.hpp"
#include "io/NoDelay.hpp"
#include "io/WebSocketSubprotocols.hpp"

namespace rtcgate::http {
namespace {

using boost::asio::ip::tcp;

}  // namespace

HttpServer::HttpServer(boost::asio::io_context& io, SocketAddress listen, std::string bearerToken)
    : listen_(listen), token_(std::move(bearerToken)), acceptor_(io) {
  add("GET", "/api/v1/", "this list of endpoints",
      [this](const HttpRequest&) { return HttpReply::json(router_.routesJson()); });
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::add(std::string method, std::string pattern, std::string help, Handler handler,
                     Access access) {
  router_.add(std::move(method), std::move(pattern), std::move(help), std::move(handler), access);
}

void HttpServer::allowHosts(std::vector<std::string> hosts) {
  configuredHosts_ = std::move(hosts);
  guard_.allowHosts(configuredHosts_);
}

io::Status HttpServer::start() {
  if (running_) return io::Status::failure("admin http: already started");
  if (!listen_.valid()) return io::Status::failure("admin http: invalid listen address");
  const auto address = io::toAsioAddress(listen_);
  if (!token_.required() && !address.is_loopback()) {
    return io::Status::failure("admin http: refusing to listen on " + listen_.toString() +
                               " without a bearer token; configure a token or listen on "
                               "127.0.0.1 / ::1");
  }
  const tcp::endpoint endpoint(address, listen_.port());
  boost::system::error_code error;
  acceptor_.open(endpoint.protocol(), error);
  if (!error) acceptor_.set_option(tcp::acceptor::reuse_address(true), error);
  if (!error) acceptor_.bind(endpoint, error);
  if (!error) acceptor_.listen(boost::asio::socket_base::max_listen_connections, error);
  if (error) {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    return io::Status::failure("admin http: cannot listen on " + listen_.toString() + ": " +
                               error.message());
  }
  port_ = acceptor_.local_endpoint().port();
  running_ = true;
  // The loopback names stay allowed next to configured ones, so local tools (rtcgate ctl)
  // keep working: a rebinding attacker controls a DNS name, never these.
  auto hosts = RequestGuard::defaultHosts(listen_, port_);
  hosts.insert(hosts.end(), configuredHosts_.begin(), configuredHosts_.end());
  guard_.allowHosts(std::move(hosts));
  if (configuredHosts_.empty() && address.is_unspecified()) {
    spdlog::warn(
        "admin http: listening on {} but answering only Host {} (set http.allowed_hosts to the "
        "names clients use)",
        listen_.toString(), fmt::join(guard_.allowedHosts(), ", "));
  }
  if (!token_.required()) {
    spdlog::warn("admin http: API on {} is unauthenticated (no token configured; loopback only)",
                 io::toSocketAddress(acceptor_.local_endpoint()).toString());
  } else {
    spdlog::info("admin http: API listening on {} (bearer token required)",
                 io::toSocketAddress(acceptor_.local_endpoint()).toString());
  }
  accept();
  return io::Status::success();
}

void HttpServer::stop() {
  if (!running_) return;
  running_ = false;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  for (auto& weak : sessions_) {
    if (auto session = weak.lock()) session->close();
  }
  sessions_.clear();
  for (auto& weak : webSockets_) {
    if (auto session = weak.lock()) session->close();
  }
  webSockets_.clear();
}

void HttpServer::addWebSocket(std::string path, std::string help, WebSocketHandler handler) {
  add("GET", path, std::move(help) + " (WebSocket)", [](const HttpRequest&) {
    return HttpReply::error(426, "this endpoint needs a WebSocket upgrade");
  });
  webSocketHandlers_.insert_or_assign(std::move(path), std::move(handler));
}

std::optional<HttpReply> HttpServer::refuseUpgrade(std::string_view target,
                                                   const RequestHeaders& headers) {
  if (auto refusal = guard_.refuse("GET", headers)) return refusal;
  const auto parsed = RequestTarget::parse(target);
  if (!parsed) return HttpReply::error(400, "malformed request target");
  if (!webSocketHandlers_.contains(parsed->path)) {
    return HttpReply::error(404, "no WebSocket endpoint here");
  }
  if (!token_.required() || token_.acceptsAuthorization(headers.authorization) ||
      token_.acceptsSubprotocols(headers.webSocketProtocol)) {
    return std::nullopt;
  }
  ++tokenRefusals_;
  return HttpReply::error(401,
                          "missing or wrong bearer token (Authorization header or the "
                          "bearer.<token> subprotocol; a token in the URL is not accepted)");
}

void HttpServer::upgrade(boost::beast::tcp_stream stream, WebSocketSession::Request request) {
  const std::string_view target(request.target().data(), request.target().size());
  const auto parsed = RequestTarget::parse(target);
  const auto handler = parsed ? webSocketHandlers_.find(parsed->path) : webSocketHandlers_.end();
  webSockets_.remove_if([](const auto& weak) { return weak.expired(); });
  if (!running_ || handler == webSocketHandlers_.end() || webSockets_.size() >= maxConnections_) {
    spdlog::warn("admin http: refusing a WebSocket ({} open)", webSockets_.size());
    boost::beast::error_code ignored;
    stream.socket().close(ignored);
    return;
  }
  auto session = std::make_shared<WebSocketSession>(std::move(stream));
  const auto offered = request[boost::beast::http::field::sec_websocket_protocol];
  if (io::offersWebSocketSubprotocol({offered.data(), offered.size()}, kWebSocketSubprotocol)) {
    session->selectSubprotocol(std::string(kWebSocketSubprotocol));
  }
  webSockets_.push_back(session);
  handler->second(session, *parsed);
  session->start(std::move(request));
}

void HttpServer::accept() {
  acceptor_.async_accept([this](boost::system::error_code error, tcp::socket socket) {
    if (error == boost::asio::error::operation_aborted || !running_) return;
    if (!error) {
      // Drop bookkeeping of finished sessions so the list stays as long as the live ones.
      sessions_.remove_if([](const auto& weak) { return weak.expired(); });
      if (sessions_.size() >= maxConnections_) {
        spdlog::warn("admin http: {} connections open, refusing one more", sessions_.size());
        boost::system::error_code ignored;
        socket.close(ignored);
        accept();
        return;
      }
      io::setNoDelay(socket);
      auto session = std::make_shared<HttpSession>(std::move(socket), *this);
      sessions_.push_back(session);
      session->start();
    } else {
      spdlog::debug("admin http: accept failed: {}", error.message());
    }
    accept();
  });
}

HttpReply HttpServer::handle(std::string_view method, std::string_view target,
                             const RequestHeaders& headers, std::string body) {
  if (auto refusal = guard_.refuse(method, headers)) return std::move(*refusal);
  if (token_.required() && !token_.acceptsAuthorization(headers.authorization) &&
      !router_.isPublic(method, target)) {
    ++tokenRefusals_;
    return HttpReply::error(401, "missing or wrong bearer token");
  }
  return router_.dispatch(method, target, std::move(body));
}

HttpReply HttpServer::handle(std::string_view method, std::string_view target,
                             std::string_view authorization, std::string body) const {
  if (token_.required() && !token_.acceptsAuthorization(authorization) &&
      !router_.isPublic(method, target)) {
    return HttpReply::error(401, "missing or wrong bearer token");
  }
  return router_.dispatch(method, target, std::move(body));
}

}  // namespace rtcgate::http
