#include "io/AsioTimers.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace rtcgate::io {
namespace {

using namespace std::chrono_literals;

TEST(AsioTimersTest, FiresInDeadlineOrderOnTheLoop) {
  boost::asio::io_context io;
  AsioTimers timers(io);
  std::vector<int> fired;
  // Read before the timers start: their deadlines count from their own start.
  const auto begin = timers.now();
  timers.start(30ms, [&] { fired.push_back(3); });
  timers.start(10ms, [&] { fired.push_back(1); });
  timers.start(20ms, [&] { fired.push_back(2); });
  EXPECT_EQ(timers.pendingCount(), 3u);
  io.run_for(500ms);
  EXPECT_EQ(fired, (std::vector<int>{1, 2, 3}));
  EXPECT_GE(timers.now() - begin, 30ms);
  EXPECT_EQ(timers.pendingCount(), 0u);
}

TEST(AsioTimersTest, CancelledTimerNeverFiresAndLateCancelIsHarmless) {
  boost::asio::io_context io;
  AsioTimers timers(io);
  int fired = 0;
  const auto cancelled = timers.start(10ms, [&] { ++fired; });
  const auto kept = timers.start(10ms, [&] { fired += 10; });
  EXPECT_NE(cancelled, kept);
  EXPECT_NE(cancelled, 0u);
  timers.cancel(cancelled);
  io.run_for(100ms);
  EXPECT_EQ(fired, 10);
  timers.cancel(kept);       // already fired
  timers.cancel(cancelled);  // already cancelled
  timers.cancel(12345);      // never existed
  EXPECT_EQ(timers.pendingCount(), 0u);
}

TEST(AsioTimersTest, CallbackMayStartAndCancelTimers) {
  boost::asio::io_context io;
  AsioTimers timers(io);
  int chain = 0;
  Timers::Id victim = 0;
  std::function<void()> step = [&] {
    if (++chain < 3) timers.start(1ms, step);
    timers.cancel(victim);
  };
  victim = timers.start(50ms, [&] { chain = 100; });
  timers.start(1ms, step);
  io.run_for(200ms);
  EXPECT_EQ(chain, 3);
}

TEST(AsioTimersTest, DestroyedTimersDropPendingCallbacks) {
  boost::asio::io_context io;
  int fired = 0;
  {
    AsioTimers timers(io);
    timers.start(1ms, [&] { ++fired; });
    // Let the expiry be queued but not dispatched, then destroy.
    std::this_thread::sleep_for(5ms);
  }
  io.run_for(50ms);
  EXPECT_EQ(fired, 0);
}

}  // namespace
}  // namespace rtcgate::io
