#include "media/packet/TelephoneEventTypes.hpp"

#include <gtest/gtest.h>

namespace rtcgate::media {
namespace {

TEST(TelephoneEventTypes, KeepsTwoTypesWithTheirClockRates) {
  TelephoneEventTypes types;
  EXPECT_FALSE(types.any());
  types.add(110, 48000);
  types.add(101, 8000);
  types.add(102, 16000);  // a third is not kept
  EXPECT_TRUE(types.any());
  EXPECT_TRUE(types.contains(110));
  EXPECT_TRUE(types.contains(101));
  EXPECT_FALSE(types.contains(102));
  EXPECT_EQ(types.clockRateOf(110), 48000u);
  EXPECT_EQ(types.clockRateOf(101), 8000u);
  EXPECT_EQ(types.forClockRate(8000), 101);
  EXPECT_EQ(types.forClockRate(48000), 110);
  EXPECT_FALSE(types.forClockRate(16000));
  types.clear();
  EXPECT_FALSE(types.contains(110));
  EXPECT_FALSE(types.any());
}

}  // namespace
}  // namespace rtcgate::media
