#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/Timers.hpp"
#include "io/HttpResponse.hpp"
#include "io/TransportStats.hpp"
#include "sip/Transport.hpp"

namespace rtcgate::io {

class Connection;

enum class CloseReason {
  PeerClosed,
  Error,
  IdleTimeout,
  Oversize,
  FramingError,
  HandshakeFailed,
  ConnectFailed,
  QueueOverflow,
  HttpServed,  // a plain HTTP request on a ws/wss port was answered
  Shutdown,
};

const char* closeReasonName(CloseReason reason);

// What a connection reports upwards (implemented by TransportManager). Calls happen on the loop
// thread; a connection stops calling once detach() was called on it.
class ConnectionOwner {
 public:
  virtual ~ConnectionOwner() = default;
  // Handshakes (connect, TLS, WebSocket upgrade) done: flow().local is now known.
  virtual void connectionEstablished(Connection& connection) = 0;
  virtual void connectionMessage(Connection& connection, std::string message) = 0;
  // Exactly once per connection, after its socket was closed.
  virtual void connectionClosed(Connection& connection, CloseReason reason) = 0;
  virtual std::optional<HttpResponse> httpRequest(std::string_view path) = 0;
  virtual TransportStats& counters() = 0;
  // Whether the connection carries something that must outlive its silence (a call, a
  // registration): it is then not closed for idleness.
  virtual bool connectionInUse(const Connection& connection) = 0;
};

// Per-connection copies of the options, so that a connection never reads its owner's options.
struct ConnectionLimits {
  std::size_t maxMessageSize = 65535;
  std::size_t maxQueuedBytes = 4 * 1024 * 1024;
  Duration idleTimeout = std::chrono::minutes(10);
  Duration handshakeTimeout = std::chrono::seconds(10);
  Duration webSocketPingInterval = std::chrono::seconds(30);
  bool answerKeepAlivePings = true;
  // TransportOptions::webSocketAllowedOrigins, shared by all connections; null: any.
  std::shared_ptr<const std::vector<std::string>> webSocketAllowedOrigins;
};

// One SIP connection (TCP, TLS, WS or WSS). Owned by TransportManager through shared_ptr; its
// pending asynchronous operations hold a reference too, so it outlives its removal from the table
// until they have been aborted.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(std::uint64_t id, sip::Flow flow, ConnectionOwner& owner, ConnectionLimits limits);
  virtual ~Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Inbound: run the server-side handshakes, then read.
  virtual void startAccepted() = 0;
  // Queues bytes for sending (written once established). false when closed or over the limit.
  virtual bool send(std::string_view bytes) = 0;
  // Closes the socket now and reports connectionClosed once.
  virtual void close(CloseReason reason) = 0;

  // The owner is going away: no further calls into it.
  void detach() { owner_ = nullptr; }

  std::uint64_t id() const { return flow_.connectionId; }
  const sip::Flow& flow() const { return flow_; }
  bool isClosed() const { return closed_; }
  bool isEstablished() const { return established_; }

 protected:
  ConnectionOwner* owner() const { return owner_; }
  const ConnectionLimits& limits() const { return limits_; }
  void setLocal(const SocketAddress& local) { flow_.local = local; }
  void markEstablished();
  // Marks closed and tells the owner; false when it was closed already.
  bool markClosed(CloseReason reason);
  void countSendFailure();
  // Idle past the limit: whether to keep the connection anyway (counted when kept).
  bool keptWhileIdle();

 private:
  sip::Flow flow_;
  ConnectionOwner* owner_;
  ConnectionLimits limits_;
  bool established_ = false;
  bool closed_ = false;
};

}  // namespace rtcgate::io
