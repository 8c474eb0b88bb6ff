#include "ng/CookieCache.hpp"

#include <gtest/gtest.h>

namespace rtcgate::ng {
namespace {

TEST(CookieCache, ReplaysForOneToTwoLifetimes) {
  CookieCache cache(std::chrono::seconds(30));
  Clock::time_point t0{std::chrono::hours(1)};
  cache.store("c1", "reply1", t0);
  ASSERT_NE(cache.find("c1", t0 + std::chrono::seconds(10)), nullptr);
  EXPECT_EQ(*cache.find("c1", t0 + std::chrono::seconds(10)), "reply1");
  EXPECT_EQ(cache.find("c2", t0), nullptr);
  // After one rotation the reply is still in the previous generation.
  EXPECT_NE(cache.find("c1", t0 + std::chrono::seconds(31)), nullptr);
  // After the second rotation it is gone.
  EXPECT_EQ(cache.find("c1", t0 + std::chrono::seconds(62)), nullptr);
}

TEST(CookieCache, LongSilenceDropsBothGenerations) {
  CookieCache cache(std::chrono::seconds(30));
  Clock::time_point t0{std::chrono::hours(1)};
  cache.store("c1", "r", t0);
  EXPECT_EQ(cache.find("c1", t0 + std::chrono::seconds(61)), nullptr);
  EXPECT_EQ(cache.size(), 0u);
}

}  // namespace
}  // namespace rtcgate::ng
