#include "io/LoopStallWatch.hpp"

#include <gtest/gtest.h>

#include <map>

namespace rtcgate::io {
namespace {

// Timers whose callbacks run when the test says, at the time the test says: a stalled loop is
// one that runs a due callback late.
class LateTimers : public Timers {
 public:
  Clock::time_point now() const override { return now_; }
  WallClock::time_point wallNow() const override { return {}; }
  Id start(Duration after, std::function<void()> callback) override {
    due_[++next_] = {now_ + after, std::move(callback)};
    return next_;
  }
  void cancel(Id id) override { due_.erase(id); }

  // Runs the one pending callback `late` after its deadline.
  void fireLate(Duration late) {
    ASSERT_EQ(due_.size(), 1u);
    auto [deadline, callback] = std::move(due_.begin()->second);
    due_.clear();
    now_ = deadline + late;
    callback();
  }
  std::size_t pending() const { return due_.size(); }

 private:
  Clock::time_point now_{std::chrono::hours(1)};
  Id next_ = 0;
  std::map<Id, std::pair<Clock::time_point, std::function<void()>>> due_;
};

TEST(LoopStallWatchTest, CountsOnlyTicksLateByTheThresholdOrMore) {
  LateTimers timers;
  LoopStallWatch watch(timers, Duration(50), Duration(100));
  watch.start();
  timers.fireLate(Duration(0));
  timers.fireLate(Duration(99));
  EXPECT_EQ(watch.stats().stalls, 0u);
  timers.fireLate(Duration(250));
  timers.fireLate(Duration(0));
  timers.fireLate(Duration(1000));
  EXPECT_EQ(watch.stats().stalls, 2u);
  EXPECT_DOUBLE_EQ(watch.stats().stalledSeconds, 1.25);
  EXPECT_DOUBLE_EQ(watch.stats().longestSeconds, 1.0);
  EXPECT_EQ(timers.pending(), 1u);  // keeps ticking
}

TEST(LoopStallWatchTest, StopsTickingWhenDestroyed) {
  LateTimers timers;
  {
    LoopStallWatch watch(timers);
    watch.start();
    EXPECT_EQ(timers.pending(), 1u);
  }
  EXPECT_EQ(timers.pending(), 0u);
}

}  // namespace
}  // namespace rtcgate::io
