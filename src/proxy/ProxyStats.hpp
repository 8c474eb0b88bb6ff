#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "sip/Method.hpp"
#include "sip/Transport.hpp"

namespace rtcgate::proxy {

// What the proxy counts; exported by the management API as metrics. Single-threaded writers.
struct ProxyStats {
  std::uint64_t requestsReceived = 0;
  std::uint64_t responsesReceived = 0;
  std::uint64_t parseErrors = 0;          // messages that did not parse
  std::uint64_t badRequestsAnswered = 0;  // of those, answered with 400
  std::uint64_t limitRefused = 0;         // of those, over a cap of sip/MessageLimits.hpp
  std::uint64_t datagramsDropped = 0;     // unparseable and unanswerable: dropped
  std::uint64_t authChallenges = 0;
  std::uint64_t authFailures = 0;       // wrong password, unknown user, malformed credentials
  std::uint64_t registrations = 0;      // REGISTER requests answered 200
  std::uint64_t forwardedRequests = 0;  // branches created
  std::uint64_t statelessForwards = 0;  // ACKs for 2xx
  std::uint64_t loopsDetected = 0;
  std::uint64_t tooManyHops = 0;
  std::uint64_t relayRefused = 0;           // 403: unauthenticated request to a non-local target
  std::uint64_t directUriRefused = 0;       // 403: a target no route accounts for (toll fraud)
  std::uint64_t inDialogRefused = 0;        // 481: in-dialog request or CANCEL of no dialog of ours
  std::uint64_t acksDropped = 0;            // ACKs of no transaction and no dialog of ours
  std::uint64_t strayResponsesDropped = 0;  // responses matching no client transaction
  std::uint64_t rateLimited = 0;            // requests dropped by the per-source rate limit
  std::uint64_t overloaded = 0;             // 503: transaction or dialog cap reached
  std::uint64_t strangerCallsRefused = 0;   // 503: a stranger source's share of calls reached
  std::uint64_t reconnectWaits = 0;         // calls kept after their browser's WebSocket closed
  std::uint64_t reconnectsResumed = 0;      // ... whose browser came back on a new connection
  std::uint64_t reconnectsExpired = 0;      // ... ended because it did not come back in time
  std::uint64_t notFound = 0;
  std::uint64_t unavailable = 0;
  std::uint64_t branchTimeouts = 0;
  std::uint64_t routeFailovers = 0;
  std::uint64_t sessionIntervalTooSmall = 0;  // 422: Session-Expires below our Min-SE
  std::uint64_t sessionsExpired = 0;          // calls ended: no session refresh in time
  std::uint64_t relayMoves = 0;        // calls whose dead relay was replaced, both sides re-INVITEd
  std::uint64_t relayMovesFailed = 0;  // ... tried and failed (the call then ends relay-lost)

  // Requests received by method and transport, responses received by status class (1xx..6xx)
  // and transport, responses sent (our own and forwarded) by class: fixed arrays, so counting a
  // message is an index and an increment.
  static constexpr std::size_t kMethods = static_cast<std::size_t>(sip::Method::Publish) + 1;
  static constexpr std::size_t kTransports = static_cast<std::size_t>(sip::Transport::Wss) + 1;
  static constexpr std::size_t kClasses = 6;
  std::array<std::array<std::uint64_t, kTransports>, kMethods> requestsByMethod{};
  std::array<std::array<std::uint64_t, kTransports>, kClasses> responsesByClass{};
  std::array<std::uint64_t, kClasses> responsesSentByClass{};

  // 0 for 1xx .. 5 for 6xx; statuses outside 100..699 never parse.
  static std::size_t classIndex(int status) {
    return status < 100 || status > 699 ? 0 : static_cast<std::size_t>(status / 100 - 1);
  }
};

}  // namespace rtcgate::proxy
