#pragma once

#include <cstdint>

namespace rtcgate::proxy {

// What the proxy counts; exported by the management API as metrics. Single-threaded writers.
struct ProxyStats {
  std::uint64_t requestsReceived = 0;
  std::uint64_t responsesReceived = 0;
  std::uint64_t parseErrors = 0;        // messages that did not parse
  std::uint64_t badRequestsAnswered = 0;  // of those, answered with 400
  std::uint64_t datagramsDropped = 0;   // unparseable and unanswerable: dropped
  std::uint64_t authChallenges = 0;
  std::uint64_t authFailures = 0;       // wrong password, unknown user, malformed credentials
  std::uint64_t registrations = 0;      // REGISTER requests answered 200
  std::uint64_t forwardedRequests = 0;  // branches created
  std::uint64_t statelessForwards = 0;  // ACKs for 2xx and stray responses
  std::uint64_t loopsDetected = 0;
  std::uint64_t tooManyHops = 0;
  std::uint64_t relayRefused = 0;       // 403: unauthenticated request to a non-local target
  std::uint64_t notFound = 0;
  std::uint64_t unavailable = 0;
  std::uint64_t branchTimeouts = 0;
  std::uint64_t routeFailovers = 0;
};

}  // namespace rtcgate::proxy
