#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "base/Statistic.hpp"
#include "sip/Method.hpp"
#include "sip/StatusClass.hpp"
#include "sip/Transport.hpp"

namespace rtcgate::transaction {

// What SipIngress counts, declared once: each line names the IngressStats field, its kind, the
// Prometheus family the management API exports it as and that family's help (base/Statistic.hpp).
// The families kept the names they had when the proxy counted them
// (rtcgate_proxy_rate_limited_total).
#define RTCGATE_INGRESS_STATS(X)                                                                  \
  X(requestsReceived, Counter, "rtcgate_sip_requests_received_total", "SIP requests received")    \
  X(responsesReceived, Counter, "rtcgate_sip_responses_received_total", "SIP responses received") \
  X(parseErrors, Counter, "rtcgate_sip_parse_errors_total", "messages that did not parse")        \
  /* of those: */                                                                                 \
  X(limitRefused, Counter, "rtcgate_sip_limit_refused_total",                                     \
    "messages refused for a parsing cap (URI part, header length or count, Via/Route)")           \
  X(badRequestsAnswered, Counter, "rtcgate_sip_bad_requests_answered_total",                      \
    "malformed requests answered with 400/505")                                                   \
  X(datagramsDropped, Counter, "rtcgate_sip_dropped_total",                                       \
    "unparseable messages dropped unanswered")                                                    \
  X(rateLimited, Counter, "rtcgate_proxy_rate_limited_total",                                     \
    "requests dropped by the per-source rate limit (security.rate_limit)")

// What SipIngress counts; exported by the management API as metrics. Single-threaded writers.
struct IngressStats {
#define RTCGATE_INGRESS_STAT_FIELD(field, ...) std::uint64_t field = 0;
  RTCGATE_INGRESS_STATS(RTCGATE_INGRESS_STAT_FIELD)
#undef RTCGATE_INGRESS_STAT_FIELD

  // Requests received by method and transport, responses received by status class (1xx..6xx)
  // and transport: fixed arrays, so counting a message is an index and an increment.
  static constexpr std::size_t kMethods = static_cast<std::size_t>(sip::Method::Publish) + 1;
  static constexpr std::size_t kTransports = static_cast<std::size_t>(sip::Transport::Wss) + 1;
  static constexpr std::size_t kClasses = sip::kStatusClasses;
  std::array<std::array<std::uint64_t, kTransports>, kMethods> requestsByMethod{};
  std::array<std::array<std::uint64_t, kTransports>, kClasses> responsesByClass{};
};

#define RTCGATE_INGRESS_STAT_ENTRY(field, kind, metric, help) \
  Statistic<IngressStats>{&IngressStats::field, StatKind::kind, metric, help},
inline constexpr Statistic<IngressStats> kIngressStatistics[] = {
    RTCGATE_INGRESS_STATS(RTCGATE_INGRESS_STAT_ENTRY)};
#undef RTCGATE_INGRESS_STAT_ENTRY

}  // namespace rtcgate::transaction
