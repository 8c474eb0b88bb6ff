#pragma once

#include <cstdint>
#include <unordered_map>

#include "base/SocketAddress.hpp"
#include "base/Timers.hpp"

namespace rtcgate::transaction {

struct RateLimitOptions {
  double requestsPerSecond = 200;   // sustained, per source IP; 0 disables the limit
  double burst = 400;               // requests a source may send at once after a quiet spell
  std::size_t maxSources = 100000;  // sources tracked at once (memory bound)
};

// Per-source request rate limit (a token bucket per IP address, Kamailio's pike and pipelimit
// in one): a source that sends faster than its bucket refills has its excess requests dropped
// unanswered -- answering a flood would only amplify it. Responses are not limited; they match
// our own transactions. I/O-free, no allocation for a source already tracked.
class SourceRateLimiter {
 public:
  explicit SourceRateLimiter(RateLimitOptions options = {}) : options_(options) {}

  bool allow(const SocketAddress& source, Clock::time_point now);
  std::uint64_t dropped() const { return dropped_; }
  std::size_t tracked() const { return buckets_.size(); }

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point last;
  };
  void forgetFull(Clock::time_point now);

  RateLimitOptions options_;
  std::unordered_map<SocketAddress, Bucket, SocketAddressHash> buckets_;
  std::uint64_t dropped_ = 0;
  Clock::time_point lastSweep_{};
};

}  // namespace rtcgate::transaction
