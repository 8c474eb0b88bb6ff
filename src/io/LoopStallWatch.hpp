#pragma once

#include <cstdint>

#include "base/LogThrottle.hpp"
#include "base/Timers.hpp"

namespace rtcgate::io {

// Notices when the signalling loop stops turning: a timer due every `tick` that fires `threshold`
// or more late means nothing ran on the loop in between (a slow disk write, a long sweep, a
// starved process), while datagrams piled up in the kernel. Each such stall is logged (throttled)
// with its length and counted, so that an operator can tell a stalled gateway from a lossy
// network. Costs one timer every `tick`.
class LoopStallWatch {
 public:
  struct Stats {
    std::uint64_t stalls = 0;
    double stalledSeconds = 0;  // lateness of the stalled ticks, summed
    double longestSeconds = 0;
  };

  LoopStallWatch(Timers& timers, Duration tick = Duration(50), Duration threshold = Duration(100));
  ~LoopStallWatch();
  LoopStallWatch(const LoopStallWatch&) = delete;
  LoopStallWatch& operator=(const LoopStallWatch&) = delete;

  void start();
  const Stats& stats() const { return stats_; }

 private:
  void arm();
  void onTick();

  Timers& timers_;
  Duration tick_;
  Duration threshold_;
  Timers::Id timer_ = 0;
  Clock::time_point due_{};
  Stats stats_;
  LogThrottle logThrottle_{std::chrono::seconds(10), 5};
};

}  // namespace rtcgate::io
