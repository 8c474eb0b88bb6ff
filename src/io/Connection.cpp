#include "io/Connection.hpp"

namespace rtcgate::io {

const char* closeReasonName(CloseReason reason) {
  switch (reason) {
    case CloseReason::PeerClosed:
      return "closed by peer";
    case CloseReason::Error:
      return "socket error";
    case CloseReason::IdleTimeout:
      return "idle timeout";
    case CloseReason::Oversize:
      return "message too large";
    case CloseReason::FramingError:
      return "framing error";
    case CloseReason::HandshakeFailed:
      return "handshake failed";
    case CloseReason::ConnectFailed:
      return "connect failed";
    case CloseReason::QueueOverflow:
      return "send queue full";
    case CloseReason::HttpServed:
      return "http request served";
    case CloseReason::Shutdown:
      return "shutdown";
  }
  return "unknown";
}

Connection::Connection(std::uint64_t id, sip::Flow flow, ConnectionOwner& owner,
                       ConnectionLimits limits)
    : flow_(flow), owner_(&owner), limits_(limits) {
  flow_.connectionId = id;
}

void Connection::markEstablished() {
  established_ = true;
  if (owner_) owner_->connectionEstablished(*this);
}

bool Connection::markClosed(CloseReason reason) {
  if (closed_) return false;
  closed_ = true;
  if (owner_) owner_->connectionClosed(*this, reason);
  return true;
}

void Connection::countSendFailure() {
  if (owner_) ++owner_->counters().sendFailures;
}

bool Connection::keptWhileIdle() {
  if (!owner_ || !owner_->connectionInUse(*this)) return false;
  ++owner_->counters().idleConnectionsKept;
  return true;
}

}  // namespace rtcgate::io
