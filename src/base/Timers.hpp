#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace rtcgate {

using Clock = std::chrono::steady_clock;
using Duration = std::chrono::milliseconds;
using WallClock = std::chrono::system_clock;

// The one way protocol state machines see time: they schedule callbacks and read "now" through
// this seam, so unit tests drive them with a fake clock (tests/fakes) and production with the event
// loop (io::AsioTimers). Callbacks run on the thread that owns the loop. now() is the monotonic
// clock for timeouts; wallNow() the calendar time for what is shown or stored (CDR times,
// registration expiry), so those too follow a fake clock in tests.
class Timers {
 public:
  using Id = std::uint64_t;  // 0 is never a valid id
  virtual ~Timers() = default;
  virtual Clock::time_point now() const = 0;
  virtual WallClock::time_point wallNow() const = 0;
  virtual Id start(Duration after, std::function<void()> callback) = 0;
  // Cancelling an id that fired or was cancelled already is a no-op.
  virtual void cancel(Id id) = 0;
};

}  // namespace rtcgate
