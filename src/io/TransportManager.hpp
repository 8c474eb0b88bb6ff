#pragma once

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/LogThrottle.hpp"
#include "io/Connection.hpp"
#include "io/HttpResponse.hpp"
#include "io/Status.hpp"
#include "io/TlsContexts.hpp"
#include "io/TransportOptions.hpp"
#include "io/TransportStats.hpp"
#include "sip/Transport.hpp"

namespace rtcgate::io {

class UdpListener;
class StreamListener;

// The SIP transports of the gateway: owns the listeners (udp, tcp, tls, ws, wss) and the table of
// open connections, hands every complete SIP message upwards with the Flow it came on, and sends
// over a flow (connection reuse for replies, new outbound TCP/TLS connections when needed).
// Everything runs on the io_context's one thread; no method is thread-safe.
//
// Usage: set the handlers, start(), run the io_context; stop() before destroying the context.
class TransportManager : private ConnectionOwner {
 public:
  // One complete SIP message: a UDP datagram, a framed stream message or one WebSocket frame.
  using MessageHandler = std::function<void(std::string message, const sip::Flow& flow)>;
  // A connection that had been established (handshakes done) is gone.
  using ClosedHandler = std::function<void(std::uint64_t connectionId)>;
  // A plain HTTP GET on a ws/wss listener; nullopt answers 404.
  using HttpHandler = std::function<std::optional<HttpResponse>(std::string_view path)>;
  // Whether a connection carries a call or registration (then idleness does not close it).
  using InUseCheck = std::function<bool(std::uint64_t connectionId)>;

  TransportManager(boost::asio::io_context& io, TransportOptions options);
  ~TransportManager() override;
  TransportManager(const TransportManager&) = delete;
  TransportManager& operator=(const TransportManager&) = delete;

  void onMessage(MessageHandler handler) { messageHandler_ = std::move(handler); }
  void onConnectionClosed(ClosedHandler handler) { closedHandler_ = std::move(handler); }
  // A connection we opened failed before it was established (connect, TLS handshake, timeout),
  // or the kernel reported a UDP destination unreachable by ICMP (the flow is then {Udp, our
  // listener, the destination, 0}): told its flow, so that what waited on it fails now.
  using FailedHandler = std::function<void(const sip::Flow& flow)>;
  void onConnectFailed(FailedHandler handler) { failedHandler_ = std::move(handler); }
  void onHttpRequest(HttpHandler handler) { httpHandler_ = std::move(handler); }
  void keepWhile(InUseCheck inUse) { inUse_ = std::move(inUse); }

  // Loads TLS files and binds every listener. On failure nothing stays bound and the error names
  // what failed, e.g. "tcp://127.0.0.1:5060: Address already in use".
  Status start();
  // Closes listeners and connections (onConnectionClosed fires for established ones).
  void stop();

  // Configuration reload: loads the TLS files named in `tls` (its tls* fields; the rest is
  // ignored) and, only if all of them load, uses them for connections accepted or opened from
  // now on. Connections already open keep the certificate they were set up with (each OpenSSL
  // session holds its own reference to the context it was made from). On failure nothing
  // changes and the error names the file.
  Status reloadTls(const TransportOptions& tls);

  // UDP: from the listener bound to flow.local, else any UDP listener of the same family.
  // TCP/TLS/WS/WSS: over flow.connectionId while it is open. Else for TCP/TLS over an open
  // connection to flow.remote, else a new outbound connection (bytes queued until connected).
  // WS/WSS connections cannot be opened by us. false when the bytes cannot be sent or queued.
  bool send(const sip::Flow& flow, std::string_view bytes);
  // The host name a TLS server at `remote` was found under (RFC 3263): TLS connections opened
  // to it send it as SNI and check the certificate against it (RFC 5922), not the address.
  // `domain` is the name that was looked up (the URI's host; `name` may be its SRV target).
  void expectServerName(const SocketAddress& remote, std::string name, const std::string& domain);
  // TLS servers whose certificates are verified even with tlsVerifyPeer off (a trunk's, whose
  // credentials we send): a host name, as looked up or as an SRV target, or a literal address.
  void alwaysVerify(std::string host) { alwaysVerified_.insert(std::move(host)); }

  // The first listener of a transport (local address for Via / Record-Route), all listeners in
  // configuration order (ports as bound, so port 0 shows the ephemeral port).
  std::optional<sip::Flow> listenerFlow(sip::Transport transport) const;
  const std::vector<sip::Flow>& listeners() const { return listenerFlows_; }

  bool isOpen(std::uint64_t connectionId) const;
  // The flow of an open connection (local address filled in once connected).
  std::optional<sip::Flow> connectionFlow(std::uint64_t connectionId) const;
  std::size_t connectionCount() const { return connections_.size(); }

  const TransportStats& stats() const { return stats_; }
  // Datagrams the kernel dropped at the UDP listeners' full receive buffers, since they bound.
  std::uint64_t udpReceiveDrops() const;

 private:
  struct ConnectionEntry {
    std::shared_ptr<Connection> connection;
    bool inbound = false;
  };

  bool needsServerTls() const;
  Status bindListener(const ListenAddress& address);
  void warnIfBuffersCapped(const ListenAddress& address, SocketBuffers granted) const;
  void onDatagram(const SocketAddress& local, std::string_view bytes, const SocketAddress& remote);
  void onUnreachable(const SocketAddress& local, const SocketAddress& remote);
  void onAccepted(sip::Transport transport, boost::asio::ip::tcp::socket socket);
  std::shared_ptr<Connection> makeConnection(sip::Transport transport, const sip::Flow& flow,
                                             boost::asio::ip::tcp::socket socket);
  void addConnection(const std::shared_ptr<Connection>& connection, bool inbound);
  bool sendUdp(const sip::Flow& flow, std::string_view bytes);
  bool sendOnConnection(const std::shared_ptr<Connection>& connection, std::string_view bytes);
  bool openOutbound(const sip::Flow& flow, std::string_view bytes);
  bool atConnectionCap();  // counts the refusal when true
  ConnectionLimits limitsFor(sip::Transport transport) const;
  bool failSend();
  ConnectionOwner& asOwner() { return *this; }

  // ConnectionOwner
  void connectionEstablished(Connection& connection) override;
  void connectionMessage(Connection& connection, std::string message) override;
  void connectionClosed(Connection& connection, CloseReason reason) override;
  std::optional<HttpResponse> httpRequest(std::string_view path) override;
  TransportStats& counters() override { return stats_; }
  bool connectionInUse(const Connection& connection) override {
    return inUse_ && inUse_(connection.id());
  }

  boost::asio::io_context& io_;
  TransportOptions options_;
  std::shared_ptr<const std::vector<std::string>> allowedOrigins_;  // of options_, for limits
  TlsContexts tls_;
  bool running_ = false;

  MessageHandler messageHandler_;
  ClosedHandler closedHandler_;
  FailedHandler failedHandler_;
  HttpHandler httpHandler_;
  InUseCheck inUse_;

  std::vector<std::shared_ptr<UdpListener>> udpListeners_;
  std::vector<std::shared_ptr<StreamListener>> streamListeners_;
  std::vector<sip::Flow> listenerFlows_;

  std::uint64_t lastConnectionId_ = 0;
  std::unordered_map<std::uint64_t, ConnectionEntry> connections_;
  // Per transport: remote address -> connection, for reusing a connection to a peer.
  std::array<std::unordered_map<SocketAddress, std::uint64_t, SocketAddressHash>, 5> byRemote_;
  // Remote host (port 0) -> open inbound connections, for maxConnectionsPerSource.
  std::unordered_map<SocketAddress, std::size_t, SocketAddressHash> perSource_;
  // TLS servers found by name: the name to send as SNI and to verify (expectServerName).
  struct ServerName {
    std::string name;
    bool verify = false;  // found under a name in alwaysVerified_
  };
  std::unordered_map<SocketAddress, ServerName, SocketAddressHash> serverNames_;
  std::unordered_set<std::string> alwaysVerified_;

  TransportStats stats_;
  LogThrottle oversizeDatagramLog_{std::chrono::seconds(1), 5};
  LogThrottle connectionLimitLog_{std::chrono::seconds(1), 5};
  LogThrottle unreachableLog_{std::chrono::seconds(1), 5};
};

}  // namespace rtcgate::io
