#include "admin/HttpServer.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/socket_base.hpp>

#include "admin/HttpSession.hpp"
#include "io/AddressConversion.hpp"

namespace rtcgate::admin {
namespace {

using boost::asio::ip::tcp;

// Compares without an early exit so response timing does not reveal how much of a guess matched.
bool constantTimeEquals(std::string_view a, std::string_view b) {
  unsigned char difference = a.size() == b.size() ? 0 : 1;
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    difference |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return difference == 0;
}

}  // namespace

HttpServer::HttpServer(boost::asio::io_context& io, SocketAddress listen, std::string bearerToken)
    : io_(io), listen_(listen), token_(std::move(bearerToken)), acceptor_(io) {
  add("GET", "/api/v1/", "this list of endpoints",
      [this](const HttpRequest&) { return HttpReply::json(router_.routesJson()); });
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::add(std::string method, std::string pattern, std::string help, Handler handler,
                     Access access) {
  router_.add(std::move(method), std::move(pattern), std::move(help), std::move(handler), access);
}

io::Status HttpServer::start() {
  if (running_) return io::Status::failure("admin http: already started");
  if (!listen_.valid()) return io::Status::failure("admin http: invalid listen address");
  const auto address = io::toAsioAddress(listen_);
  if (token_.empty() && !address.is_loopback()) {
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
  if (token_.empty()) {
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
                                                   std::string_view authorization) const {
  const auto parsed = RequestTarget::parse(target);
  if (!parsed) return HttpReply::error(400, "malformed request target");
  if (!webSocketHandlers_.contains(parsed->path)) {
    return HttpReply::error(404, "no WebSocket endpoint here");
  }
  if (authorized(authorization)) return std::nullopt;
  const auto token = parsed->query.find("token");
  if (token != parsed->query.end() && authorized("Bearer " + token->second)) return std::nullopt;
  return HttpReply::error(401, "missing or wrong bearer token");
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
      auto session = std::make_shared<HttpSession>(std::move(socket), *this);
      sessions_.push_back(session);
      session->start();
    } else {
      spdlog::debug("admin http: accept failed: {}", error.message());
    }
    accept();
  });
}

bool HttpServer::authorized(std::string_view authorization) const {
  if (token_.empty()) return true;
  constexpr std::string_view kScheme = "Bearer ";
  if (authorization.size() < kScheme.size()) return false;
  // The scheme name is case-insensitive (RFC 7235); the token itself is not.
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) !=
        std::tolower(static_cast<unsigned char>(kScheme[i]))) {
      return false;
    }
  }
  return constantTimeEquals(authorization.substr(kScheme.size()), token_);
}

HttpReply HttpServer::handle(std::string_view method, std::string_view target,
                             std::string_view authorization, std::string body) const {
  if (!authorized(authorization) && !router_.isPublic(method, target)) {
    return HttpReply::error(401, "missing or wrong bearer token");
  }
  return router_.dispatch(method, target, std::move(body));
}

}  // namespace rtcgate::admin
