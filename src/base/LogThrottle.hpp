#pragma once

#include <cstdint>

#include "base/Timers.hpp"

namespace rtcgate {

// Bounds warnings that a remote peer can trigger once per packet (an oversize datagram flood
// must not become a log flood): at most `burst` lines per `interval`, the rest are counted and
// the next allowed line can report how many were suppressed.
class LogThrottle {
 public:
  LogThrottle(Duration interval, std::uint32_t burst) : interval_(interval), burst_(burst) {}

  // true when this occurrence may be logged; suppressed() then tells how many were skipped
  // since the previous logged one.
  bool allow(Clock::time_point now) {
    if (now - windowStart_ >= interval_) {
      windowStart_ = now;
      inWindow_ = 0;
    }
    if (inWindow_ >= burst_) {
      ++pendingSuppressed_;
      return false;
    }
    ++inWindow_;
    suppressed_ = pendingSuppressed_;
    pendingSuppressed_ = 0;
    return true;
  }
  std::uint64_t suppressed() const { return suppressed_; }

 private:
  Duration interval_;
  std::uint32_t burst_;
  Clock::time_point windowStart_{};
  std::uint32_t inWindow_ = 0;
  std::uint64_t suppressed_ = 0;
  std::uint64_t pendingSuppressed_ = 0;
};

}  // namespace rtcgate
