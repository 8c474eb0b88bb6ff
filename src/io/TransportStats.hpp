#pragma once

#include <array>
#include <cstdint>

#include "sip/Transport.hpp"

namespace rtcgate::io {

// Counters of the SIP transports, read by the app for metrics. Everything runs on the signalling
// thread, so these are plain integers. Arrays are indexed by sip::Transport (see at()).
struct TransportStats {
  using PerTransport = std::array<std::uint64_t, 5>;
  static constexpr std::size_t at(sip::Transport t) { return static_cast<std::size_t>(t); }

  std::uint64_t datagramsReceived = 0;
  PerTransport messagesReceived{};           // complete SIP messages handed to onMessage
  std::uint64_t oversizeRefused = 0;         // datagrams dropped / connections closed for size
  std::uint64_t framingErrors = 0;           // stream connections closed for undecodable framing
  std::uint64_t connectionLimitRefused = 0;  // by the per-source limit
  std::uint64_t connectionCapRefused = 0;    // by the limit on all connections
  PerTransport connectionsOpen{};            // gauge
  PerTransport connectionsAccepted{};        // total inbound
  PerTransport connectionsOutbound{};        // total opened by send()
  std::uint64_t connectionsIdleClosed = 0;
  std::uint64_t idleConnectionsKept = 0;  // idle past the limit, kept for a call or registration
  std::uint64_t queueOverflowClosed = 0;  // cut off: sip.max_send_queue of unread bytes
  std::uint64_t sendFailures = 0;
  std::uint64_t keepAlivePingsAnswered = 0;
  std::uint64_t webSocketHandshakeFailures = 0;
  std::uint64_t tlsHandshakeFailures = 0;
  std::uint64_t httpRequestsServed = 0;  // plain HTTP GETs on ws/wss listeners
};

}  // namespace rtcgate::io
