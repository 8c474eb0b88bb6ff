#pragma once

#include <cstdint>
#include <string_view>

#include "base/SocketAddress.hpp"

namespace rtcgate::sip {

enum class Transport : std::uint8_t { Udp, Tcp, Tls, Ws, Wss };

constexpr bool isReliable(Transport t) { return t != Transport::Udp; }
constexpr bool isWebSocket(Transport t) { return t == Transport::Ws || t == Transport::Wss; }
constexpr bool isSecure(Transport t) { return t == Transport::Tls || t == Transport::Wss; }

// "UDP", "TCP", "TLS", "WS", "WSS" (Via sent-protocol transport, RFC 7118 for WS/WSS).
std::string_view viaTransportName(Transport t);
// "udp", "tcp", "tls", "ws", "wss" (transport= URI parameter and listen URLs).
std::string_view transportParamName(Transport t);
// Case-insensitive; accepts both spellings above. false when unknown.
bool parseTransport(std::string_view name, Transport& out);

// Where a message came from or goes to: the transport, our local socket, the peer, and for
// connection-oriented transports the connection it travelled on (0 for UDP or "none yet").
// Replies and requests to a client registered over TCP/TLS/WS/WSS go back over connectionId.
struct Flow {
  Transport transport = Transport::Udp;
  SocketAddress local;
  SocketAddress remote;
  std::uint64_t connectionId = 0;

  // Whether a message arriving over `other` came the way this flow's messages come: over the same
  // connection, or for UDP from the same address and port.
  bool sameOrigin(const Flow& other) const {
    if (transport != other.transport) return false;
    if (isReliable(transport)) return connectionId != 0 && connectionId == other.connectionId;
    return remote == other.remote;
  }
};

}  // namespace rtcgate::sip
