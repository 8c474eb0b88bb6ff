#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "io/SocketBuffers.hpp"
#include "sip/Transport.hpp"

namespace rtcgate::io {

// One listening socket: "tcp://127.0.0.1:5060" is {Tcp, "127.0.0.1", 5060}. The host must be an
// IP literal (no name resolution at this layer); port 0 binds an ephemeral port, which
// TransportManager::listeners() then reports. An IPv6 listener is IPv6-only, so "::" does not
// also catch IPv4: list 0.0.0.0 separately when both are wanted.
struct ListenAddress {
  sip::Transport transport = sip::Transport::Udp;
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;

  std::string toUrl() const;  // "tcp://127.0.0.1:5060", "ws://[::1]:8080"
};

// Everything the SIP transports need to know. Defaults suit a public-facing gateway:
// - idleTimeout (TCP/TLS): a connection with no bytes in either direction for 10 minutes is
//   closed, unless TransportManager::keepWhile says it carries a call or a registration.
//   Clients that keep a flow (RFC 5626) send CRLF pings far more often than that; others
//   re-register well within it with the usual 300-600 s expiry used over streams.
// - webSocketIdleTimeout: WebSocket clients (browsers) are watched by pings instead, so the SIP
//   level limit is generous (1 hour without any SIP message or keep-alive).
// - webSocketPingInterval: when a WebSocket is silent this long we send a ping; a peer that
//   answers nothing for twice this long is dead and its connection is closed.
// - handshakeTimeout: bound on TCP connect, TLS handshake and the HTTP upgrade, so half-open
//   peers cannot hold sockets.
struct TransportOptions {
  std::vector<ListenAddress> listen;

  // PEM files. Needed when a tls or wss listener exists; the CA file is used to verify peers.
  std::string tlsCertificateFile;
  std::string tlsPrivateKeyFile;
  std::string tlsCaFile;
  // Outbound TLS: verify the server certificate (against tlsCaFile, else the system store) and
  // that it names the IP address we connected to.
  bool tlsVerifyPeer = false;
  // Inbound TLS (not WSS: browsers carry no client certificate): demand a client certificate.
  bool tlsRequireClientCertificate = false;

  std::size_t maxMessageSize = 65535;
  // Kernel buffers of each UDP listener (SocketBuffers explains why the defaults are too small).
  SocketBuffers udpBuffers{4 * 1024 * 1024, 4 * 1024 * 1024};
  std::size_t maxConnectionsPerSource = 64;
  // Open connections in all, inbound and outbound: past it, new ones are refused (accepted and
  // closed at once, or not opened) instead of running the process out of file descriptors.
  std::size_t maxConnections = 100000;
  // A peer that does not read what we send is cut off once this much is queued for it.
  std::size_t maxQueuedBytesPerConnection = 1024 * 1024;

  std::chrono::milliseconds idleTimeout = std::chrono::minutes(10);
  std::chrono::milliseconds webSocketIdleTimeout = std::chrono::hours(1);
  std::chrono::milliseconds webSocketPingInterval = std::chrono::seconds(30);
  std::chrono::milliseconds handshakeTimeout = std::chrono::seconds(10);

  // RFC 5626 3.5.1: answer a "\r\n\r\n" ping on TCP/TLS with a "\r\n" pong.
  bool answerKeepAlivePings = true;

  // Origins ("https://app.example.com", lowercase) whose pages may open a ws/wss connection; an
  // upgrade carrying another Origin gets 403. Empty: any (requests without Origin come from
  // non-browser clients and always pass).
  std::vector<std::string> webSocketAllowedOrigins;
};

}  // namespace rtcgate::io
