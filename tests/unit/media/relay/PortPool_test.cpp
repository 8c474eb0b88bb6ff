#include "media/relay/PortPool.hpp"

#include <gtest/gtest.h>

#include <set>

namespace rtcgate::media {
namespace {

TEST(PortPool, HandsOutEvenOddPairsUntilExhausted) {
  PortPool pool(30000, 30009);
  std::set<std::uint16_t> ports;
  for (int i = 0; i < 5; ++i) {
    auto port = pool.allocatePair();
    ASSERT_TRUE(port.ok());
    EXPECT_EQ(*port % 2, 0);
    EXPECT_TRUE(ports.insert(*port).second);
  }
  EXPECT_EQ(pool.inUse(), 10u);
  EXPECT_STREQ(pool.allocatePair().error(), "Ran out of ports");
  EXPECT_FALSE(pool.allocateOne().ok());
}

TEST(PortPool, OddRangeBoundsAndSinglePorts) {
  PortPool pool(30001, 30004);
  auto pair = pool.allocatePair();
  ASSERT_TRUE(pair.ok());
  EXPECT_EQ(*pair, 30002);
  auto one = pool.allocateOne();
  ASSERT_TRUE(one.ok());
  EXPECT_TRUE(*one == 30004 || *one == 30001);
  EXPECT_FALSE(pool.allocatePair().ok());
}

TEST(PortPool, NoLeakAfterManyCycles) {
  PortPool pool(40000, 40099);
  for (int cycle = 0; cycle < 10000; ++cycle) {
    auto a = pool.allocatePair();
    auto b = pool.allocateOne();
    ASSERT_TRUE(a.ok() && b.ok()) << cycle;
    pool.release(*a);
    pool.release(static_cast<std::uint16_t>(*a + 1));
    pool.release(*b);
  }
  EXPECT_EQ(pool.inUse(), 0u);
  pool.release(40000);  // releasing a free port is harmless
  pool.release(1);      // and so is a port outside the range
  EXPECT_EQ(pool.inUse(), 0u);
}

TEST(PortPool, DoesNotReuseAJustReleasedPairImmediately) {
  PortPool pool(30000, 30099);
  auto first = pool.allocatePair();
  pool.release(*first);
  pool.release(static_cast<std::uint16_t>(*first + 1));
  EXPECT_NE(*pool.allocatePair(), *first);
}

}  // namespace
}  // namespace rtcgate::media
