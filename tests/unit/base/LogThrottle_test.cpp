#include "base/LogThrottle.hpp"

#include <gtest/gtest.h>

namespace rtcgate {
namespace {

using namespace std::chrono_literals;

TEST(LogThrottleTest, AllowsABurstPerIntervalAndCountsTheRest) {
  LogThrottle throttle(1000ms, 2);
  const Clock::time_point start{std::chrono::hours(1)};
  EXPECT_TRUE(throttle.allow(start));
  EXPECT_TRUE(throttle.allow(start + 10ms));
  EXPECT_FALSE(throttle.allow(start + 20ms));
  EXPECT_FALSE(throttle.allow(start + 999ms));
  EXPECT_TRUE(throttle.allow(start + 1000ms));
  EXPECT_EQ(throttle.suppressed(), 2u);
  EXPECT_TRUE(throttle.allow(start + 1001ms));
  EXPECT_EQ(throttle.suppressed(), 0u);
}

}  // namespace
}  // namespace rtcgate
