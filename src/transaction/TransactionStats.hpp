#pragma once

#include <cstdint>

namespace rtcgate::transaction {

// Counters for the metrics endpoint. The live counts are gauges; the rest only grow.
struct TransactionStats {
  std::uint64_t liveServerTransactions = 0;
  std::uint64_t liveClientTransactions = 0;
  std::uint64_t retransmissionsSent = 0;      // requests (A, E) and responses (G, or resent on
                                              // a request retransmission), ACKs resent
  std::uint64_t retransmissionsAbsorbed = 0;  // received duplicates not passed to the TU
  std::uint64_t timeouts = 0;                 // timers B, F, H and the CANCEL wait
  std::uint64_t transportErrors = 0;          // failed sends
};

}  // namespace rtcgate::transaction
