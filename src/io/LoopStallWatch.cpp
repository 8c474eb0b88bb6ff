#include "io/LoopStallWatch.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace rtcgate::io {

LoopStallWatch::LoopStallWatch(Timers& timers, Duration tick, Duration threshold)
    : timers_(timers), tick_(tick), threshold_(threshold) {}

LoopStallWatch::~LoopStallWatch() { timers_.cancel(timer_); }

void LoopStallWatch::start() {
  timers_.cancel(timer_);
  arm();
}

void LoopStallWatch::arm() {
  due_ = timers_.now() + tick_;
  timer_ = timers_.start(tick_, [this] { onTick(); });
}

void LoopStallWatch::onTick() {
  const auto late = timers_.now() - due_;
  if (late >= threshold_) {
    const double seconds = std::chrono::duration<double>(late).count();
    ++stats_.stalls;
    stats_.stalledSeconds += seconds;
    stats_.longestSeconds = std::max(stats_.longestSeconds, seconds);
    if (logThrottle_.allow(timers_.now())) {
      spdlog::warn(
          "signalling loop: nothing ran for {} ms (datagrams wait in the kernel meanwhile; "
          "{} similar stalls not logged)",
          std::chrono::duration_cast<Duration>(late).count() + tick_.count(),
          logThrottle_.suppressed());
    }
  }
  arm();
}

}  // namespace rtcgate::io
