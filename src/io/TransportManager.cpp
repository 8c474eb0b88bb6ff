#include "io/TransportManager.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "io/AddressConversion.hpp"
#include "io/StreamConnection.hpp"
#include "io/StreamListener.hpp"
#include "io/UdpListener.hpp"
#include "io/WebSocketConnection.hpp"

namespace rtcgate::io {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;
using sip::Transport;

namespace {

// Phones send bare CRLFs over UDP as NAT keep-alives; they are not SIP messages.
bool isOnlyWhitespace(std::string_view bytes) {
  return bytes.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

SocketAddress hostOf(SocketAddress address) {
  address.setPort(0);
  return address;
}

}  // namespace

TransportManager::TransportManager(asio::io_context& io, TransportOptions options)
    : io_(io), options_(std::move(options)) {
  if (!options_.webSocketAllowedOrigins.empty()) {
    allowedOrigins_ =
        std::make_shared<const std::vector<std::string>>(options_.webSocketAllowedOrigins);
  }
}

TransportManager::~TransportManager() {
  // Whoever installed the handlers may be gone already: shut down without calling them.
  messageHandler_ = nullptr;
  closedHandler_ = nullptr;
  failedHandler_ = nullptr;
  httpHandler_ = nullptr;
  stop();
}

bool TransportManager::needsServerTls() const {
  for (const auto& address : options_.listen) {
    if (sip::isSecure(address.transport)) return true;
  }
  return false;
}

Status TransportManager::reloadTls(const TransportOptions& tls) {
  TransportOptions next = options_;
  next.tlsCertificateFile = tls.tlsCertificateFile;
  next.tlsPrivateKeyFile = tls.tlsPrivateKeyFile;
  next.tlsCaFile = tls.tlsCaFile;
  next.tlsVerifyPeer = tls.tlsVerifyPeer;
  next.tlsRequireClientCertificate = tls.tlsRequireClientCertificate;
  TlsContexts contexts;
  if (auto status = contexts.load(next, needsServerTls()); !status) return status;
  // Connections only use a context while constructing their stream, so the swap is safe here.
  tls_ = std::move(contexts);
  options_ = std::move(next);
  return Status::success();
}

Status TransportManager::start() {
  if (running_) return Status::failure("transports already started");
  if (auto status = tls_.load(options_, needsServerTls()); !status) return status;
  for (const auto& address : options_.listen) {
    if (auto status = bindListener(address); !status) {
      stop();
      return status;
    }
  }
  running_ = true;
  for (const auto& listener : udpListeners_) {
    const auto local = listener->local();
    listener->start(
        [this, local](std::string_view bytes, const SocketAddress& remote) {
          onDatagram(local, bytes, remote);
        },
        [this, local](const SocketAddress& remote) { onUnreachable(local, remote); });
  }
  for (const auto& listener : streamListeners_) {
    listener->start([this](Transport transport, tcp::socket socket) {
      onAccepted(transport, std::move(socket));
    });
  }
  return Status::success();
}

Status TransportManager::bindListener(const ListenAddress& address) {
  const auto host = SocketAddress::parse(address.host, address.port);
  if (!host) return Status::failure(address.toUrl() + ": host must be an IP address");
  const auto ip = toAsioAddress(*host);
  error_code error;
  SocketAddress local;
  if (address.transport == Transport::Udp) {
    auto listener = std::make_shared<UdpListener>(io_);
    error = listener->bind({ip, address.port}, options_.udpBuffers);
    if (!error) {
      local = listener->local();
      warnIfBuffersCapped(address, listener->buffers());
      udpListeners_.push_back(std::move(listener));
    }
  } else {
    auto listener = std::make_shared<StreamListener>(io_, address.transport);
    error = listener->bind({ip, address.port});
    if (!error) {
      local = listener->local();
      streamListeners_.push_back(std::move(listener));
    }
  }
  if (error) return Status::failure(address.toUrl() + ": " + error.message());
  listenerFlows_.push_back(sip::Flow{address.transport, local, {}, 0});
  spdlog::info("sip: listening on {}://{}", sip::transportParamName(address.transport),
               local.toString());
  return Status::success();
}

void TransportManager::warnIfBuffersCapped(const ListenAddress& address,
                                           SocketBuffers granted) const {
  const auto& wanted = options_.udpBuffers;
  if (granted.receive >= wanted.receive && granted.send >= wanted.send) return;
  spdlog::warn(
      "sip: {}: the kernel granted a receive buffer of {} and a send buffer of {} bytes, not the "
      "{} and {} of sip.udp_buffer (raise net.core.rmem_max and net.core.wmem_max, or run with "
      "CAP_NET_ADMIN); bursts may overflow it",
      address.toUrl(), granted.receive, granted.send, wanted.receive, wanted.send);
}

std::uint64_t TransportManager::udpReceiveDrops() const {
  std::uint64_t drops = 0;
  for (const auto& listener : udpListeners_) drops += listener->drops();
  return drops;
}

void TransportManager::stop() {
  running_ = false;
  for (const auto& listener : udpListeners_) listener->close();
  for (const auto& listener : streamListeners_) listener->close();
  udpListeners_.clear();
  streamListeners_.clear();
  listenerFlows_.clear();
  std::vector<std::shared_ptr<Connection>> open;
  open.reserve(connections_.size());
  for (const auto& [id, entry] : connections_) open.push_back(entry.connection);
  for (const auto& connection : open) connection->close(CloseReason::Shutdown);
  for (const auto& connection : open) connection->detach();
  connections_.clear();
}

void TransportManager::onDatagram(const SocketAddress& local, std::string_view bytes,
                                  const SocketAddress& remote) {
  ++stats_.datagramsReceived;
  if (bytes.size() > options_.maxMessageSize) {
    ++stats_.oversizeRefused;
    if (oversizeDatagramLog_.allow(Clock::now())) {
      spdlog::warn(
          "sip udp: dropped {}-byte datagram from {} (max message size {}; {} similar "
          "warnings suppressed)",
          bytes.size(), remote.toString(), options_.maxMessageSize,
          oversizeDatagramLog_.suppressed());
    }
    return;
  }
  if (isOnlyWhitespace(bytes)) return;
  ++stats_.messagesReceived[TransportStats::at(Transport::Udp)];
  if (messageHandler_)
    messageHandler_(std::string(bytes), sip::Flow{Transport::Udp, local, remote, 0});
}

// The kernel says nobody answers at `remote` (ICMP port/host unreachable): the requests sent
// there that have had no response fail now, as for a refused TCP connection (RFC 3263 4.3).
void TransportManager::onUnreachable(const SocketAddress& local, const SocketAddress& remote) {
  ++stats_.udpUnreachable;
  if (unreachableLog_.allow(Clock::now())) {
    spdlog::info("sip udp: {} is unreachable (ICMP); {} similar messages suppressed",
                 remote.toString(), unreachableLog_.suppressed());
  }
  if (failedHandler_) failedHandler_(sip::Flow{Transport::Udp, local, remote, 0});
}

void TransportManager::onAccepted(Transport transport, tcp::socket socket) {
  error_code error;
  const auto remoteEndpoint = socket.remote_endpoint(error);
  const auto localEndpoint = socket.local_endpoint(error);
  if (error) return;  // reset before we got to it
  const auto remote = toSocketAddress(remoteEndpoint);
  if (atConnectionCap()) {
    if (connectionLimitLog_.allow(Clock::now())) {
      spdlog::warn("sip {}: refused connection from {}: {} connections open (sip.max_connections)",
                   sip::transportParamName(transport), remote.toString(), connections_.size());
    }
    socket.close(error);
    return;
  }
  auto& count = perSource_[hostOf(remote)];
  if (count >= options_.maxConnectionsPerSource) {
    ++stats_.connectionLimitRefused;
    if (connectionLimitLog_.allow(Clock::now())) {
      spdlog::warn("sip {}: refused connection from {}: {} connections from that address already",
                   sip::transportParamName(transport), remote.toString(), count);
    }
    socket.close(error);
    return;
  }
  ++count;
  const sip::Flow flow{transport, toSocketAddress(localEndpoint), remote, ++lastConnectionId_};
  auto connection = makeConnection(transport, flow, std::move(socket));
  ++stats_.connectionsAccepted[TransportStats::at(transport)];
  addConnection(connection, true);
  connection->startAccepted();
}

std::shared_ptr<Connection> TransportManager::makeConnection(Transport transport,
                                                             const sip::Flow& flow,
                                                             tcp::socket socket) {
  const auto limits = limitsFor(transport);
  switch (transport) {
    case Transport::Tls:
      return std::make_shared<StreamConnection<TlsSocket>>(
          flow.connectionId, flow, asOwner(), limits, std::move(socket), tls_.server());
    case Transport::Ws:
      return makeWebSocketConnection(flow.connectionId, flow, asOwner(), limits, std::move(socket),
                                     nullptr);
    case Transport::Wss:
      return makeWebSocketConnection(flow.connectionId, flow, asOwner(), limits, std::move(socket),
                                     tls_.server());
    case Transport::Tcp:
    case Transport::Udp:
      break;
  }
  return std::make_shared<StreamConnection<TcpSocket>>(flow.connectionId, flow, asOwner(), limits,
                                                       std::move(socket), nullptr);
}

void TransportManager::addConnection(const std::shared_ptr<Connection>& connection, bool inbound) {
  const auto& flow = connection->flow();
  connections_[flow.connectionId] = ConnectionEntry{connection, inbound};
  byRemote_[TransportStats::at(flow.transport)][flow.remote] = flow.connectionId;
  ++stats_.connectionsOpen[TransportStats::at(flow.transport)];
}

ConnectionLimits TransportManager::limitsFor(Transport transport) const {
  ConnectionLimits limits;
  limits.maxMessageSize = options_.maxMessageSize;
  limits.maxQueuedBytes = options_.maxQueuedBytesPerConnection;
  limits.idleTimeout =
      sip::isWebSocket(transport) ? options_.webSocketIdleTimeout : options_.idleTimeout;
  limits.handshakeTimeout = options_.handshakeTimeout;
  limits.webSocketPingInterval = options_.webSocketPingInterval;
  limits.answerKeepAlivePings = options_.answerKeepAlivePings;
  limits.webSocketAllowedOrigins = allowedOrigins_;
  return limits;
}

bool TransportManager::send(const sip::Flow& flow, std::string_view bytes) {
  if (!running_) return failSend();
  if (flow.transport == Transport::Udp) return sendUdp(flow, bytes);
  if (flow.connectionId != 0) {
    auto it = connections_.find(flow.connectionId);
    if (it != connections_.end() && !it->second.connection->isClosed()) {
      return sendOnConnection(it->second.connection, bytes);
    }
  }
  if (sip::isWebSocket(flow.transport)) return failSend();  // browsers are only reached inbound
  if (!flow.remote.valid()) return failSend();
  const auto& index = byRemote_[TransportStats::at(flow.transport)];
  if (auto it = index.find(flow.remote); it != index.end()) {
    if (auto found = connections_.find(it->second); found != connections_.end()) {
      return sendOnConnection(found->second.connection, bytes);
    }
  }
  return openOutbound(flow, bytes);
}

bool TransportManager::sendOnConnection(const std::shared_ptr<Connection>& connection,
                                        std::string_view bytes) {
  // Hold a reference: a failing send closes the connection, which removes it from the table.
  const auto keep = connection;
  return keep->send(bytes);
}

bool TransportManager::sendUdp(const sip::Flow& flow, std::string_view bytes) {
  if (!flow.remote.valid()) return failSend();
  UdpListener* chosen = nullptr;
  for (const auto& listener : udpListeners_) {
    if (listener->local() == flow.local) {
      chosen = listener.get();
      break;
    }
    if (!chosen && listener->local().isV6() == flow.remote.isV6()) chosen = listener.get();
  }
  if (!chosen || !chosen->sendTo(flow.remote, bytes)) return failSend();
  return true;
}

void TransportManager::expectServerName(const SocketAddress& remote, std::string name,
                                        const std::string& domain) {
  // Bounded: a flood of names (direct URIs) must not grow it; forgotten names are asked again.
  constexpr std::size_t kMaxNames = 4096;
  if (serverNames_.size() >= kMaxNames && !serverNames_.contains(remote)) serverNames_.clear();
  const bool verify = alwaysVerified_.contains(name) || alwaysVerified_.contains(domain);
  serverNames_[remote] = {std::move(name), verify};
}

bool TransportManager::atConnectionCap() {
  if (connections_.size() < options_.maxConnections) return false;
  ++stats_.connectionCapRefused;
  return true;
}

bool TransportManager::openOutbound(const sip::Flow& flow, std::string_view bytes) {
  if (atConnectionCap()) {
    if (connectionLimitLog_.allow(Clock::now())) {
      spdlog::warn("sip {}: no connection opened to {}: {} connections open (sip.max_connections)",
                   sip::transportParamName(flow.transport), flow.remote.toString(),
                   connections_.size());
    }
    return failSend();
  }
  const bool tls = flow.transport == Transport::Tls;
  tcp::socket socket(io_);
  error_code error;
  socket.open(flow.remote.isV6() ? tcp::v6() : tcp::v4(), error);
  if (error) return failSend();
  // Leave from the address we listen on, so the peer sees the address of our Via.
  if (flow.local.valid() && flow.local.isV6() == flow.remote.isV6()) {
    const auto ip = toAsioAddress(flow.local);
    if (!ip.is_unspecified()) socket.bind({ip, 0}, error);
  }
  const sip::Flow outbound{flow.transport, {}, flow.remote, ++lastConnectionId_};
  const auto limits = limitsFor(flow.transport);
  std::shared_ptr<Connection> connection;
  if (tls) {
    auto stream = std::make_shared<StreamConnection<TlsSocket>>(
        outbound.connectionId, outbound, asOwner(), limits, std::move(socket), tls_.client());
    const auto name = serverNames_.find(flow.remote);
    const bool byName = name != serverNames_.end();
    const bool verify = options_.tlsVerifyPeer || (byName && name->second.verify) ||
                        (!alwaysVerified_.empty() && alwaysVerified_.contains(flow.remote.host()));
    stream->startOutbound(verify, byName ? name->second.name : std::string());
    connection = stream;
  } else {
    auto stream = std::make_shared<StreamConnection<TcpSocket>>(
        outbound.connectionId, outbound, asOwner(), limits, std::move(socket), nullptr);
    stream->startOutbound(false);
    connection = stream;
  }
  ++stats_.connectionsOutbound[TransportStats::at(flow.transport)];
  addConnection(connection, false);
  return connection->send(bytes);
}

bool TransportManager::failSend() {
  ++stats_.sendFailures;
  return false;
}

std::optional<sip::Flow> TransportManager::listenerFlow(Transport transport) const {
  for (const auto& flow : listenerFlows_) {
    if (flow.transport == transport) return flow;
  }
  return std::nullopt;
}

bool TransportManager::isOpen(std::uint64_t connectionId) const {
  auto it = connections_.find(connectionId);
  return it != connections_.end() && !it->second.connection->isClosed();
}

std::optional<sip::Flow> TransportManager::connectionFlow(std::uint64_t connectionId) const {
  auto it = connections_.find(connectionId);
  if (it == connections_.end()) return std::nullopt;
  return it->second.connection->flow();
}

void TransportManager::connectionEstablished(Connection& connection) {
  spdlog::debug("sip {}: connection {} {} <-> {} established",
                sip::transportParamName(connection.flow().transport), connection.id(),
                connection.flow().local.toString(), connection.flow().remote.toString());
}

void TransportManager::connectionMessage(Connection& connection, std::string message) {
  ++stats_.messagesReceived[TransportStats::at(connection.flow().transport)];
  if (messageHandler_) messageHandler_(std::move(message), connection.flow());
}

void TransportManager::connectionClosed(Connection& connection, CloseReason reason) {
  const auto& flow = connection.flow();
  auto it = connections_.find(flow.connectionId);
  if (it == connections_.end()) return;
  spdlog::debug("sip {}: connection {} to {} closed: {}", sip::transportParamName(flow.transport),
                flow.connectionId, flow.remote.toString(), closeReasonName(reason));
  auto& index = byRemote_[TransportStats::at(flow.transport)];
  if (auto found = index.find(flow.remote);
      found != index.end() && found->second == flow.connectionId) {
    index.erase(found);
  }
  if (it->second.inbound) {
    auto source = perSource_.find(hostOf(flow.remote));
    if (source != perSource_.end() && --source->second == 0) perSource_.erase(source);
  }
  --stats_.connectionsOpen[TransportStats::at(flow.transport)];
  if (reason == CloseReason::QueueOverflow) ++stats_.queueOverflowClosed;
  const bool outbound = !it->second.inbound;
  // The connection is mid-call into us; release our reference only after it has returned.
  asio::post(io_, [released = std::move(it->second.connection)] {});
  connections_.erase(it);
  if (connection.isEstablished()) {
    if (closedHandler_) closedHandler_(flow.connectionId);
  } else if (outbound && failedHandler_) {
    failedHandler_(flow);
  }
}

std::optional<HttpResponse> TransportManager::httpRequest(std::string_view path) {
  if (!httpHandler_) return std::nullopt;
  auto response = httpHandler_(path);
  if (response) ++stats_.httpRequestsServed;
  return response;
}

}  // namespace rtcgate::io
