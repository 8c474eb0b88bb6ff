#include "io/StreamConnection.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/write.hpp>

#include "io/AddressConversion.hpp"
#include "io/NoDelay.hpp"

namespace rtcgate::io {

namespace asio = boost::asio;
using boost::system::error_code;

template <class Stream>
StreamConnection<Stream>::StreamConnection(std::uint64_t id, sip::Flow flow, ConnectionOwner& owner,
                                           ConnectionLimits limits, TcpSocket socket,
                                           asio::ssl::context* tlsContext)
    : Connection(id, flow, owner, limits),
      stream_(makeStream(std::move(socket), tlsContext)),
      framer_(limits.maxMessageSize),
      timer_(stream_.get_executor()) {}

template <class Stream>
Stream StreamConnection<Stream>::makeStream(TcpSocket socket, asio::ssl::context* tlsContext) {
  if constexpr (kTls) {
    return Stream(std::move(socket), *tlsContext);
  } else {
    (void)tlsContext;
    return socket;
  }
}

template <class Stream>
std::shared_ptr<StreamConnection<Stream>> StreamConnection<Stream>::self() {
  return std::static_pointer_cast<StreamConnection>(shared_from_this());
}

template <class Stream>
void StreamConnection<Stream>::startAccepted() {
  armTimer(Clock::now() + limits().handshakeTimeout);
  if constexpr (kTls) {
    handshake(true);
  } else {
    established();
  }
}

template <class Stream>
void StreamConnection<Stream>::startOutbound(bool verifyPeer, const std::string& serverName) {
  armTimer(Clock::now() + limits().handshakeTimeout);
  if constexpr (kTls) {
    if (!serverName.empty()) SSL_set_tlsext_host_name(stream_.native_handle(), serverName.c_str());
    if (verifyPeer) {
      stream_.set_verify_mode(asio::ssl::verify_peer);
      stream_.set_verify_callback(asio::ssl::host_name_verification(
          serverName.empty() ? flow().remote.host() : serverName));
    } else {
      stream_.set_verify_mode(asio::ssl::verify_none);
    }
  } else {
    (void)verifyPeer;
  }
  const auto endpoint = toEndpoint<asio::ip::tcp::endpoint>(flow().remote);
  stream_.lowest_layer().async_connect(endpoint, [self = self()](const error_code& error) {
    if (self->isClosed()) return;
    if (error) {
      spdlog::warn("sip {}: connect to {} failed: {}",
                   sip::transportParamName(self->flow().transport), self->flow().remote.toString(),
                   error.message());
      self->countSendFailure();
      self->close(CloseReason::ConnectFailed);
      return;
    }
    setNoDelay(self->stream_.lowest_layer());
    if constexpr (kTls) {
      self->handshake(false);
    } else {
      self->established();
    }
  });
}

template <class Stream>
void StreamConnection<Stream>::handshake(bool server) {
  if constexpr (kTls) {
    const auto type = server ? asio::ssl::stream_base::server : asio::ssl::stream_base::client;
    stream_.async_handshake(type, [self = self()](const error_code& error) {
      if (self->isClosed()) return;
      if (error) {
        spdlog::warn("sip tls: handshake with {} failed: {}", self->flow().remote.toString(),
                     error.message());
        if (auto* owner = self->owner()) ++owner->counters().tlsHandshakeFailures;
        self->close(CloseReason::HandshakeFailed);
        return;
      }
      self->established();
    });
  } else {
    (void)server;
  }
}

template <class Stream>
void StreamConnection<Stream>::established() {
  error_code error;
  const auto local = stream_.lowest_layer().local_endpoint(error);
  if (!error) setLocal(toSocketAddress(local));
  lastActivity_ = Clock::now();
  armTimer(lastActivity_ + limits().idleTimeout);
  markEstablished();
  if (isClosed()) return;  // the owner may have closed us from its callback
  if (!outbound_.empty()) writeNext();
  readMore();
}

template <class Stream>
void StreamConnection<Stream>::readMore() {
  stream_.async_read_some(
      asio::buffer(chunk_),
      [self = self()](const error_code& error, std::size_t bytes) { self->onRead(error, bytes); });
}

template <class Stream>
void StreamConnection<Stream>::onRead(const error_code& error, std::size_t bytes) {
  if (isClosed()) return;
  if (error) {
    const bool eof = error == asio::error::eof || error == asio::error::connection_reset ||
                     error == asio::ssl::error::stream_truncated;
    if (!eof) {
      spdlog::debug("sip {}: read from {} failed: {}", sip::transportParamName(flow().transport),
                    flow().remote.toString(), error.message());
    }
    close(eof ? CloseReason::PeerClosed : CloseReason::Error);
    return;
  }
  lastActivity_ = Clock::now();
  inbound_.append(chunk_.data(), bytes);
  deliverFrames();
  if (isClosed()) return;
  // Keep only the unconsumed tail (usually nothing: messages mostly arrive whole).
  if (consumed_ == inbound_.size()) {
    inbound_.clear();
  } else if (consumed_ > 0) {
    inbound_.erase(0, consumed_);
  }
  consumed_ = 0;
  readMore();
}

template <class Stream>
void StreamConnection<Stream>::deliverFrames() {
  const auto transport = flow().transport;
  while (!isClosed() && consumed_ < inbound_.size()) {
    const std::string_view data = std::string_view(inbound_).substr(consumed_);
    const auto frame = framer_.next(data);
    switch (frame.status) {
      case sip::StreamFramer::Status::NeedMore:
        if (data.size() > limits().maxMessageSize) {
          spdlog::warn("sip {}: {} sent more than {} bytes without a complete message; closing",
                       sip::transportParamName(transport), flow().remote.toString(),
                       limits().maxMessageSize);
          if (auto* owner = this->owner()) ++owner->counters().oversizeRefused;
          close(CloseReason::Oversize);
        }
        return;
      case sip::StreamFramer::Status::Message: {
        std::string message(data.substr(0, frame.length));
        consumed_ += frame.length;
        if (auto* owner = this->owner()) owner->connectionMessage(*this, std::move(message));
        break;
      }
      case sip::StreamFramer::Status::KeepAlivePing:
        consumed_ += frame.length;
        if (limits().answerKeepAlivePings) {
          if (auto* owner = this->owner()) ++owner->counters().keepAlivePingsAnswered;
          send("\r\n");
        }
        break;
      case sip::StreamFramer::Status::KeepAlivePong:
        consumed_ += frame.length;
        break;
      case sip::StreamFramer::Status::Error: {
        const bool tooLarge = std::string_view(frame.error).find("large") != std::string_view::npos;
        spdlog::warn("sip {}: closing connection from {} ({} buffered bytes): {}",
                     sip::transportParamName(transport), flow().remote.toString(), data.size(),
                     frame.error);
        if (auto* owner = this->owner()) {
          ++(tooLarge ? owner->counters().oversizeRefused : owner->counters().framingErrors);
        }
        close(tooLarge ? CloseReason::Oversize : CloseReason::FramingError);
        return;
      }
    }
  }
}

template <class Stream>
bool StreamConnection<Stream>::send(std::string_view bytes) {
  if (isClosed()) return false;
  if (queuedBytes_ + bytes.size() > limits().maxQueuedBytes) {
    spdlog::warn("sip {}: {} does not read; {} bytes queued, closing",
                 sip::transportParamName(flow().transport), flow().remote.toString(), queuedBytes_);
    countSendFailure();
    close(CloseReason::QueueOverflow);
    return false;
  }
  outbound_.emplace_back(bytes);
  queuedBytes_ += bytes.size();
  if (!writing_ && isEstablished()) writeNext();
  return true;
}

template <class Stream>
void StreamConnection<Stream>::writeNext() {
  writing_ = true;
  asio::async_write(stream_, asio::buffer(outbound_.front()),
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

template <class Stream>
void StreamConnection<Stream>::armTimer(Clock::time_point deadline) {
  timer_.expires_at(deadline);
  timer_.async_wait([self = self()](const error_code& error) {
    if (!error) self->onTimer();
  });
}

template <class Stream>
void StreamConnection<Stream>::onTimer() {
  if (isClosed()) return;
  if (!isEstablished()) {
    spdlog::warn("sip {}: {} did not complete connect/handshake in time",
                 sip::transportParamName(flow().transport), flow().remote.toString());
    if (auto* owner = this->owner(); owner && kTls) ++owner->counters().tlsHandshakeFailures;
    close(CloseReason::HandshakeFailed);
    return;
  }
  const auto deadline = lastActivity_ + limits().idleTimeout;
  if (Clock::now() < deadline) {
    armTimer(deadline);
    return;
  }
  if (keptWhileIdle()) {
    armTimer(Clock::now() + limits().idleTimeout);
    return;
  }
  spdlog::debug("sip {}: closing idle connection to {}", sip::transportParamName(flow().transport),
                flow().remote.toString());
  if (auto* owner = this->owner()) ++owner->counters().connectionsIdleClosed;
  close(CloseReason::IdleTimeout);
}

template <class Stream>
void StreamConnection<Stream>::close(CloseReason reason) {
  if (isClosed()) return;
  error_code ignored;
  stream_.lowest_layer().close(ignored);
  timer_.cancel();
  // outbound_ stays: an aborted write may still refer to its front until its handler runs.
  markClosed(reason);
}

template class StreamConnection<TcpSocket>;
template class StreamConnection<TlsSocket>;

}  // namespace rtcgate::io
