#pragma once

#include <atomic>
#include <cstdint>

namespace rtcgate::media {

// A counter written by one thread (a relay worker) and read by any other (the signalling loop
// serving /metrics). add() is a relaxed load and store, no read-modify-write: with one writer no
// increment is lost, and it costs what a plain integer does, so it may sit on the packet path.
// Readers may see a value a few increments old, never a torn one.
class SharedCounter {
 public:
  void add(std::uint64_t n) {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  SharedCounter& operator++() {
    add(1);
    return *this;
  }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

}  // namespace rtcgate::media
