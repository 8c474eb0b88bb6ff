#include "proxy/NonceManager.hpp"

#include <gtest/gtest.h>

#include <set>

#include "fakes/FakeTimers.hpp"

namespace rtcgate::proxy {
namespace {

using namespace std::chrono_literals;
using Check = NonceManager::Check;

class NonceManagerTest : public ::testing::Test {
 protected:
  testing::FakeTimers timers_;
  NonceManager nonces_{timers_, NonceManager::Options{300s, 1000}};
};

TEST_F(NonceManagerTest, IssuesDistinctValidNonces) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string nonce = nonces_.issue();
    EXPECT_EQ(nonces_.validate(nonce), Check::Valid);
    EXPECT_TRUE(seen.insert(nonce).second);
  }
  EXPECT_EQ(nonces_.trackedCount(), 0u);  // issuing keeps no state
}

TEST_F(NonceManagerTest, TamperedOrForeignNonceIsInvalid) {
  std::string nonce = nonces_.issue();
  std::string tampered = nonce;
  tampered[5] = tampered[5] == '0' ? '1' : '0';  // the timestamp: would extend the lifetime
  EXPECT_EQ(nonces_.validate(tampered), Check::Invalid);
  EXPECT_EQ(nonces_.validate(nonce.substr(1)), Check::Invalid);
  EXPECT_EQ(nonces_.validate(""), Check::Invalid);
  EXPECT_EQ(nonces_.validate(std::string(nonce.size(), 'z')), Check::Invalid);

  NonceManager other(timers_);  // another process: another secret
  EXPECT_EQ(other.validate(nonce), Check::Invalid);
  EXPECT_EQ(nonces_.consume(other.issue(), 1), Check::Invalid);
}

TEST_F(NonceManagerTest, SameSecretAcceptsAcrossInstances) {
  std::array<std::uint8_t, 32> secret{};
  secret[0] = 7;
  NonceManager a(timers_, {}, secret);
  NonceManager b(timers_, {}, secret);
  EXPECT_EQ(b.validate(a.issue()), Check::Valid);
}

TEST_F(NonceManagerTest, ExpiresAfterLifetime) {
  const std::string nonce = nonces_.issue();
  timers_.advance(299s);
  EXPECT_EQ(nonces_.validate(nonce), Check::Valid);
  timers_.advance(1s);
  EXPECT_EQ(nonces_.validate(nonce), Check::Stale);
  EXPECT_EQ(nonces_.consume(nonce, 1), Check::Stale);
}

TEST_F(NonceManagerTest, NonceCountMustIncreaseStrictly) {
  const std::string nonce = nonces_.issue();
  EXPECT_EQ(nonces_.consume(nonce, 1), Check::Valid);
  EXPECT_EQ(nonces_.consume(nonce, 1), Check::Replayed);
  EXPECT_EQ(nonces_.consume(nonce, 2), Check::Valid);
  EXPECT_EQ(nonces_.consume(nonce, 5), Check::Valid);  // gaps are fine (lost requests)
  EXPECT_EQ(nonces_.consume(nonce, 3), Check::Replayed);
  EXPECT_EQ(nonces_.consume(nonce, std::nullopt), Check::Replayed);
  EXPECT_EQ(nonces_.consume(nonces_.issue(), 0), Check::Replayed);  // nc starts at 1
  EXPECT_EQ(nonces_.trackedCount(), 1u);
}

TEST_F(NonceManagerTest, WithoutQopNonceIsGoodOnce) {
  const std::string nonce = nonces_.issue();
  EXPECT_EQ(nonces_.consume(nonce, std::nullopt), Check::Valid);
  EXPECT_EQ(nonces_.consume(nonce, std::nullopt), Check::Replayed);
  EXPECT_EQ(nonces_.consume(nonce, 1), Check::Replayed);
}

TEST_F(NonceManagerTest, TrackingTableForgetsExpiredNonces) {
  for (int i = 0; i < 10; ++i) ASSERT_EQ(nonces_.consume(nonces_.issue(), 1), Check::Valid);
  EXPECT_EQ(nonces_.trackedCount(), 10u);
  timers_.advance(301s);
  ASSERT_EQ(nonces_.consume(nonces_.issue(), 1), Check::Valid);
  EXPECT_EQ(nonces_.trackedCount(), 1u);
}

TEST_F(NonceManagerTest, FullTableEvictsOldestAndMakesItStaleNotReplayable) {
  NonceManager small(timers_, NonceManager::Options{300s, 3});
  const std::string first = small.issue();
  ASSERT_EQ(small.consume(first, 1), Check::Valid);
  std::string last;
  for (int i = 0; i < 3; ++i) {
    last = small.issue();
    ASSERT_EQ(small.consume(last, 1), Check::Valid);
  }
  EXPECT_EQ(small.trackedCount(), 3u);
  // `first` was dropped from the table: replaying it must not succeed.
  EXPECT_EQ(small.consume(first, 1), Check::Stale);
  EXPECT_EQ(small.consume(first, 2), Check::Stale);
  EXPECT_EQ(small.consume(last, 2), Check::Valid);
}

}  // namespace
}  // namespace rtcgate::proxy
