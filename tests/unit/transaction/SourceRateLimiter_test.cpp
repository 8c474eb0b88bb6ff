#include "transaction/SourceRateLimiter.hpp"

#include <gtest/gtest.h>

namespace rtcgate::transaction {
namespace {

using std::chrono::milliseconds;

SocketAddress at(const char* host, std::uint16_t port = 5060) {
  return *SocketAddress::parse(host, port);
}

TEST(SourceRateLimiter, ABurstPassesThenTheRateHolds) {
  SourceRateLimiter limiter({10, 5});
  const Clock::time_point t0{std::chrono::seconds(100)};
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.allow(at("192.0.2.1"), t0));
  EXPECT_FALSE(limiter.allow(at("192.0.2.1"), t0));
  // Another port of the same host shares the bucket; another host has its own.
  EXPECT_FALSE(limiter.allow(at("192.0.2.1", 6000), t0));
  EXPECT_TRUE(limiter.allow(at("192.0.2.2"), t0));
  // 100 ms refill one request at 10/s.
  EXPECT_TRUE(limiter.allow(at("192.0.2.1"), t0 + milliseconds(100)));
  EXPECT_FALSE(limiter.allow(at("192.0.2.1"), t0 + milliseconds(100)));
  EXPECT_EQ(limiter.dropped(), 3u);
}

TEST(SourceRateLimiter, ZeroDisablesIt) {
  SourceRateLimiter limiter({0, 0});
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(limiter.allow(at("192.0.2.1"), {}));
}

TEST(SourceRateLimiter, TheTableIsBounded) {
  SourceRateLimiter limiter({10, 2, 4});
  const Clock::time_point t0{std::chrono::seconds(100)};
  for (int i = 0; i < 100; ++i) {
    limiter.allow(at(("198.51.100." + std::to_string(i)).c_str()), t0);
  }
  EXPECT_LE(limiter.tracked(), 4u);
  // Once their buckets have refilled, old sources make room for new ones.
  EXPECT_TRUE(limiter.allow(at("192.0.2.9"), t0 + std::chrono::seconds(5)));
  EXPECT_TRUE(limiter.allow(at("192.0.2.9"), t0 + std::chrono::seconds(5)));
  EXPECT_FALSE(limiter.allow(at("192.0.2.9"), t0 + std::chrono::seconds(5)));
}

}  // namespace
}  // namespace rtcgate::transaction
