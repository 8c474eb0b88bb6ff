#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace rtcgate {

using Clock = std::chrono::steady_clock;
using Duration = std::chrono::milliseconds;

// The one way protocol state machines see time: they schedule callbacks and read "now" through
// this seam, so unit tests drive them with a fake clock (tests/fakes) and production with the event
// loop (io::AsioTimers). Callbacks run on the thread that owns the loop.
class Timers {
 public:
  using Id = std::uint64_t;  // 0 is never a valid id
  virtual ~Timers() = default;
  virtual Clock::time_point now() const = 0;
  virtual Id start(Duration after, std::function<void()> callback) = 0;
  // Cancelling an id that fired or was cancelled already is a no-op.
  virtual void cancel(Id id) = 0;
};

}  // namespace rtcgate
