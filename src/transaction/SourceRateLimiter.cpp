#include "transaction/SourceRateLimiter.hpp"

#include <algorithm>

namespace rtcgate::transaction {

bool SourceRateLimiter::allow(const SocketAddress& source, Clock::time_point now) {
  if (options_.requestsPerSecond <= 0) return true;
  SocketAddress host = source;
  host.setPort(0);
  auto it = buckets_.find(host);
  if (it == buckets_.end()) {
    if (buckets_.size() >= options_.maxSources && now - lastSweep_ >= std::chrono::seconds(1)) {
      forgetFull(now);
      lastSweep_ = now;
    }
    // Past the bound (a flood from forged sources) a new source is let through untracked: the
    // global caps on transactions and dialogs still hold.
    if (buckets_.size() >= options_.maxSources) return true;
    it = buckets_.emplace(host, Bucket{options_.burst, now}).first;
  }
  auto& bucket = it->second;
  const double elapsed = std::chrono::duration<double>(now - bucket.last).count();
  bucket.tokens = std::min(options_.burst, bucket.tokens + elapsed * options_.requestsPerSecond);
  bucket.last = now;
  if (bucket.tokens < 1) {
    ++dropped_;
    return false;
  }
  bucket.tokens -= 1;
  return true;
}

// A bucket that would be full by now says nothing a fresh one would not: forgetting those keeps
// the table bounded without forgiving anybody who is still over the limit.
void SourceRateLimiter::forgetFull(Clock::time_point now) {
  std::erase_if(buckets_, [&](const auto& entry) {
    const double elapsed = std::chrono::duration<double>(now - entry.second.last).count();
    return entry.second.tokens + elapsed * options_.requestsPerSecond >= options_.burst;
  });
}

}  // namespace rtcgate::transaction
