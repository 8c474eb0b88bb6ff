#include "proxy/AuthBans.hpp"

#include <gtest/gtest.h>

namespace rtcgate::proxy {
namespace {

using std::chrono::seconds;

AuthBanOptions small() {
  AuthBanOptions options;
  options.sourceFailures = 3;
  options.userFailures = 5;
  options.window = seconds(60);
  options.banTime = seconds(600);
  return options;
}

TEST(AuthBans, ASourceIsBannedAfterTooManyFailuresInTheWindow) {
  AuthBans bans(small());
  const Clock::time_point t0{};
  EXPECT_FALSE(bans.recordFailure("192.0.2.1", "alice", t0));
  EXPECT_FALSE(bans.recordFailure("192.0.2.1", "bob", t0 + seconds(1)));
  EXPECT_FALSE(bans.isBanned("192.0.2.1", t0 + seconds(2)));
  EXPECT_TRUE(bans.recordFailure("192.0.2.1", "carol", t0 + seconds(2)));
  EXPECT_TRUE(bans.isBanned("192.0.2.1", t0 + seconds(3)));
  EXPECT_FALSE(bans.isBanned("192.0.2.2", t0 + seconds(3)));
  EXPECT_EQ(bans.bansTotal(), 1u);
  EXPECT_EQ(bans.refusedTotal(), 1u);
  // The ban expires.
  EXPECT_FALSE(bans.isBanned("192.0.2.1", t0 + seconds(603)));
  EXPECT_TRUE(bans.active(t0 + seconds(603)).empty());
}

TEST(AuthBans, FailuresOutsideTheWindowDoNotAddUp) {
  AuthBans bans(small());
  const Clock::time_point t0{};
  for (int i = 0; i < 10; ++i) {
    EXPECT_FALSE(bans.recordFailure("192.0.2.1", "alice", t0 + seconds(61 * i)));
  }
}

TEST(AuthBans, ADistributedGuessBansEachSourceNotTheUser) {
  AuthBans bans(small());
  const Clock::time_point t0{};
  for (int i = 0; i < 4; ++i) {
    EXPECT_FALSE(bans.recordFailure("198.51.100." + std::to_string(i), "alice", t0));
  }
  // The fifth failure for alice from anywhere bans its source.
  EXPECT_TRUE(bans.recordFailure("198.51.100.9", "alice", t0));
  EXPECT_TRUE(bans.isBanned("198.51.100.9", t0));
  EXPECT_FALSE(bans.isBanned("198.51.100.1", t0));
  EXPECT_EQ(bans.active(t0).size(), 1u);
  EXPECT_NE(bans.active(t0)[0].reason.find("alice"), std::string::npos);
}

TEST(AuthBans, LiftEndsABan) {
  AuthBans bans(small());
  const Clock::time_point t0{};
  for (int i = 0; i < 3; ++i) bans.recordFailure("192.0.2.1", "alice", t0);
  EXPECT_TRUE(bans.lift("192.0.2.1"));
  EXPECT_FALSE(bans.isBanned("192.0.2.1", t0));
  EXPECT_FALSE(bans.lift("192.0.2.1"));
  // Counting starts afresh after a lift.
  EXPECT_FALSE(bans.recordFailure("192.0.2.1", "alice", t0));
}

TEST(AuthBans, DisabledNeverBans) {
  auto options = small();
  options.enabled = false;
  AuthBans bans(options);
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(bans.recordFailure("192.0.2.1", "alice", {}));
  EXPECT_FALSE(bans.isBanned("192.0.2.1", {}));
}

TEST(AuthBans, MemoryIsBounded) {
  auto options = small();
  options.maxTracked = 10;
  AuthBans bans(options);
  const Clock::time_point t0{};
  for (int i = 0; i < 1000; ++i) {
    bans.recordFailure("203.0.113." + std::to_string(i), "u" + std::to_string(i), t0);
  }
  // Old windows are forgotten once they expire, and counting resumes.
  for (int i = 0; i < 3; ++i) bans.recordFailure("192.0.2.1", "alice", t0 + seconds(120));
  EXPECT_TRUE(bans.isBanned("192.0.2.1", t0 + seconds(121)));
}

}  // namespace
}  // namespace rtcgate::proxy
