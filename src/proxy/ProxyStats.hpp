#pragma once

#include <array>
#include <cstdint>

#include "base/Statistic.hpp"
#include "sip/StatusClass.hpp"

namespace rtcgate::proxy {

// What the proxy counts, declared once: each line names the ProxyStats field, its kind, the
// Prometheus family the management API exports it as and that family's help (base/Statistic.hpp).
// The fields and kProxyStatistics come from this list; a new counter is one line here. What the
// ingress counts (messages received, parse errors, the rate limit) is transaction::IngressStats.
#define RTCGATE_PROXY_STATS(X)                                                                    \
  X(authChallenges, Counter, "rtcgate_auth_challenges_total", "digest challenges sent (401/407)") \
  X(authFailures, Counter, "rtcgate_auth_failures_total",                                         \
    "wrong passwords, unknown users, bad credentials")                                            \
  X(registrations, Counter, "rtcgate_registrations_total", "REGISTER requests answered 200")      \
  X(forwardedRequests, Counter, "rtcgate_proxy_branches_total", "request branches forwarded")     \
  X(statelessForwards, Counter, "rtcgate_proxy_stateless_forwards_total",                         \
    "ACKs for 2xx forwarded")                                                                     \
  X(loopsDetected, Counter, "rtcgate_proxy_loops_total", "requests refused with 482")             \
  X(tooManyHops, Counter, "rtcgate_proxy_too_many_hops_total", "requests refused with 483")       \
  X(relayRefused, Counter, "rtcgate_proxy_relay_refused_total",                                   \
    "requests refused with 403 (no open relay)")                                                  \
  X(directUriRefused, Counter, "rtcgate_proxy_direct_uri_refused_total",                          \
    "requests refused with 403: no route accounts for their target (toll fraud)")                 \
  X(inDialogRefused, Counter, "rtcgate_proxy_in_dialog_refused_total",                            \
    "in-dialog requests and CANCELs refused with 481: no dialog of ours, or a foreign token")     \
  X(acksDropped, Counter, "rtcgate_proxy_acks_dropped_total",                                     \
    "ACKs dropped: no transaction and no dialog of ours")                                         \
  X(strayResponsesDropped, Counter, "rtcgate_proxy_stray_responses_dropped_total",                \
    "responses dropped: they match no client transaction")                                        \
  X(overloaded, Counter, "rtcgate_proxy_overload_refused_total",                                  \
    "requests refused with 503: security.max_transactions or max_dialogs reached")                \
  X(notFound, Counter, "rtcgate_proxy_not_found_total", "requests answered 404")                  \
  X(unavailable, Counter, "rtcgate_proxy_unavailable_total", "requests answered 480")             \
  X(branchTimeouts, Counter, "rtcgate_proxy_branch_timeouts_total",                               \
    "branches without a final response")                                                          \
  X(routeFailovers, Counter, "rtcgate_proxy_route_failovers_total", "static route failovers")     \
  X(destinationFailovers, Counter, "rtcgate_proxy_destination_failovers_total",                   \
    "branches retried at the next destination of the same target (RFC 3263)")                     \
  X(failoverTimeouts, Counter, "rtcgate_proxy_failover_timeouts_total",                           \
    "branches given up for no response within sip.failover_timeout")                              \
  X(unresolvableTargets, Counter, "rtcgate_proxy_unresolvable_targets_total",                     \
    "branches whose target DNS could not resolve")                                                \
  X(sessionIntervalTooSmall, Counter, "rtcgate_proxy_session_interval_too_small_total",           \
    "INVITEs and UPDATEs refused with 422: Session-Expires below calls.min_session_expires")      \
  X(sessionsExpired, Counter, "rtcgate_proxy_session_expired_total",                              \
    "calls ended with BYE to both sides: no session refresh in time (RFC 4028)")                  \
  X(reconnectWaits, Counter, "rtcgate_proxy_reconnect_waits_total",                               \
    "Answered calls kept after their browser's WebSocket closed (calls.reconnect_grace)")         \
  X(reconnectsResumed, Counter, "rtcgate_proxy_reconnects_resumed_total",                         \
    "Calls moved to the new connection of a browser that registered again in time")               \
  X(reconnectsExpired, Counter, "rtcgate_proxy_reconnects_expired_total",                         \
    "Calls ended because their browser did not reconnect within calls.reconnect_grace")           \
  X(relayMoves, Counter, "rtcgate_proxy_relay_moves_total",                                       \
    "Answered calls moved to another relay after theirs died (a re-INVITE to each side)")         \
  X(relayMovesFailed, Counter, "rtcgate_proxy_relay_moves_failed_total",                          \
    "Moves to another relay that failed (the call then ended as relay-lost)")                     \
  X(holds, Counter, "rtcgate_proxy_holds_total",                                                  \
    "Calls held or resumed through the API (both sides re-INVITEd)")                              \
  X(holdsFailed, Counter, "rtcgate_proxy_holds_failed_total",                                     \
    "Holds and resumes through the API that failed (a side refused or did not answer)")           \
  X(dtmfConverted, Counter, "rtcgate_proxy_dtmf_converted_total",                                 \
    "Digits delivered in the other form: a party's SIP INFO as RFC 4733 events, "                 \
    "or its events as SIP INFO")                                                                  \
  X(dtmfInfoFailed, Counter, "rtcgate_proxy_dtmf_info_failed_total",                              \
    "DTMF INFO requests of ours that a side refused or never answered, "                          \
    "or that could not be sent")                                                                  \
  X(transfers, Counter, "rtcgate_proxy_transfers_total",                                          \
    "Blind transfers asked for through the API (a REFER sent to the transferee)")                 \
  X(transfersCompleted, Counter, "rtcgate_proxy_transfers_completed_total",                       \
    "Blind transfers whose target answered the transferee (the call then ended)")                 \
  X(transfersFailed, Counter, "rtcgate_proxy_transfers_failed_total",                             \
    "Blind transfers that failed: REFER refused or unanswered, or the target did not answer")     \
  X(strangerCallsRefused, Counter, "rtcgate_proxy_unauthenticated_calls_refused_total",           \
    "INVITEs refused with 503: security.max_unauthenticated_calls_per_source reached")            \
  X(trunkChallengesAnswered, Counter, "rtcgate_proxy_trunk_challenges_answered_total",            \
    "401/407 challenges of trunks answered with the trunk's credentials")                         \
  X(trunkAuthFailures, Counter, "rtcgate_proxy_trunk_auth_failures_total",                        \
    "requests a trunk still refused after our answer (a forwarded call gets 403, an API call "    \
    "ends)")                                                                                      \
  X(downDestinationsSkipped, Counter, "rtcgate_proxy_down_destinations_skipped_total",            \
    "branches that skipped a destination OPTIONS probing found down")

// What the proxy counts; exported by the management API as metrics. Single-threaded writers.
struct ProxyStats {
#define RTCGATE_PROXY_STAT_FIELD(field, ...) std::uint64_t field = 0;
  RTCGATE_PROXY_STATS(RTCGATE_PROXY_STAT_FIELD)
#undef RTCGATE_PROXY_STAT_FIELD

  // Responses sent on server transactions (our own and forwarded) by status class: a fixed
  // array, so counting one is an index and an increment. What arrives is counted below the
  // transaction layer (transaction::IngressStats).
  std::array<std::uint64_t, sip::kStatusClasses> responsesSentByClass{};
};

#define RTCGATE_PROXY_STAT_ENTRY(field, kind, metric, help) \
  Statistic<ProxyStats>{&ProxyStats::field, StatKind::kind, metric, help},
inline constexpr Statistic<ProxyStats> kProxyStatistics[] = {
    RTCGATE_PROXY_STATS(RTCGATE_PROXY_STAT_ENTRY)};
#undef RTCGATE_PROXY_STAT_ENTRY

}  // namespace rtcgate::proxy
