#pragma once

#include <array>
#include <cstdint>

#include "base/Statistic.hpp"
#include "sip/Transport.hpp"

namespace rtcgate::io {

// The SIP transports' counters, declared once: each line names the TransportStats field, its
// kind, the Prometheus family the management API exports it as (nullptr: not exported) and its
// help (base/Statistic.hpp). ONE is a plain counter; PER_TRANSPORT an array indexed by
// sip::Transport, exported as one series per transport labelled transport="udp" etc.
#define RTCGATE_TRANSPORT_STATS(ONE, PER_TRANSPORT)                                                \
  ONE(datagramsReceived, Counter, nullptr, "UDP datagrams received")                               \
  PER_TRANSPORT(messagesReceived, Counter, "rtcgate_sip_messages_received_total",                  \
                "complete SIP messages received")                                                  \
  ONE(oversizeRefused, Counter, "rtcgate_transport_oversize_refused_total",                        \
      "messages refused for size")                                                                 \
  ONE(framingErrors, Counter, "rtcgate_transport_framing_errors_total",                            \
      "stream connections closed for bad framing")                                                 \
  ONE(connectionLimitRefused, Counter, "rtcgate_transport_connection_limit_refused_total",         \
      "connections refused by the per-source limit")                                               \
  ONE(connectionCapRefused, Counter, "rtcgate_transport_connection_cap_refused_total",             \
      "connections refused or not opened: sip.max_connections reached")                            \
  PER_TRANSPORT(connectionsOpen, Gauge, "rtcgate_connections_open", "open connections")            \
  PER_TRANSPORT(connectionsAccepted, Counter, nullptr, "inbound connections accepted")             \
  PER_TRANSPORT(connectionsOutbound, Counter, nullptr, "connections opened by send()")             \
  ONE(connectionsIdleClosed, Counter, "rtcgate_transport_idle_closed_total",                       \
      "connections closed for idleness")                                                           \
  ONE(idleConnectionsKept, Counter, "rtcgate_transport_idle_kept_total",                           \
      "idle connections kept open because they carry a call or a registration")                    \
  ONE(queueOverflowClosed, Counter, "rtcgate_transport_queue_overflow_closed_total",               \
      "connections cut off: their peer left sip.max_send_queue bytes unread")                      \
  ONE(sendFailures, Counter, "rtcgate_transport_send_failures_total", "sends that failed")         \
  ONE(udpUnreachable, Counter, "rtcgate_sip_udp_unreachable_total",                                \
      "ICMP unreachable reports for SIP UDP destinations (their unanswered requests failed)")      \
  ONE(keepAlivePingsAnswered, Counter, nullptr, "keep-alive pings (CRLF, WebSocket) answered")     \
  ONE(webSocketHandshakeFailures, Counter, "rtcgate_transport_websocket_handshake_failures_total", \
      "refused WebSocket upgrades")                                                                \
  ONE(tlsHandshakeFailures, Counter, "rtcgate_transport_tls_handshake_failures_total",             \
      "failed TLS handshakes")                                                                     \
  ONE(httpRequestsServed, Counter, nullptr, "plain HTTP GETs served on ws/wss listeners")

// Counters of the SIP transports, read by the app for metrics. Everything runs on the signalling
// thread, so these are plain integers. Arrays are indexed by sip::Transport (see at()).
struct TransportStats {
  using PerTransport = std::array<std::uint64_t, 5>;
  static constexpr std::size_t at(sip::Transport t) { return static_cast<std::size_t>(t); }

#define RTCGATE_TRANSPORT_ONE_FIELD(field, ...) std::uint64_t field = 0;
#define RTCGATE_TRANSPORT_PER_TRANSPORT_FIELD(field, ...) PerTransport field{};
  RTCGATE_TRANSPORT_STATS(RTCGATE_TRANSPORT_ONE_FIELD, RTCGATE_TRANSPORT_PER_TRANSPORT_FIELD)
#undef RTCGATE_TRANSPORT_ONE_FIELD
#undef RTCGATE_TRANSPORT_PER_TRANSPORT_FIELD
};

// The list's two tables: plain counters, and the per-transport arrays.
#define RTCGATE_TRANSPORT_ONE_ENTRY(field, kind, metric, help) \
  Statistic<TransportStats>{&TransportStats::field, StatKind::kind, metric, help},
#define RTCGATE_TRANSPORT_SKIP(...)
inline constexpr Statistic<TransportStats> kTransportStatistics[] = {
    RTCGATE_TRANSPORT_STATS(RTCGATE_TRANSPORT_ONE_ENTRY, RTCGATE_TRANSPORT_SKIP)};

#define RTCGATE_TRANSPORT_PER_TRANSPORT_ENTRY(field, kind, metric, help)                          \
  Statistic<TransportStats, TransportStats::PerTransport>{&TransportStats::field, StatKind::kind, \
                                                          metric, help},
inline constexpr Statistic<TransportStats, TransportStats::PerTransport> kPerTransportStatistics[] =
    {RTCGATE_TRANSPORT_STATS(RTCGATE_TRANSPORT_SKIP, RTCGATE_TRANSPORT_PER_TRANSPORT_ENTRY)};
#undef RTCGATE_TRANSPORT_ONE_ENTRY
#undef RTCGATE_TRANSPORT_PER_TRANSPORT_ENTRY
#undef RTCGATE_TRANSPORT_SKIP

}  // namespace rtcgate::io
