#include "proxy/WeightedRotation.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace rtcgate::proxy {
namespace {

// The first target of each of `calls` calls, as letters ("aaba").
std::string firsts(WeightedRotation& rotation, int calls) {
  std::string out;
  for (int i = 0; i < calls; ++i) out += static_cast<char>('a' + rotation.next().front());
  return out;
}

TEST(WeightedRotationTest, EachTargetGoesFirstAsOftenAsItsWeightInterleaved) {
  WeightedRotation rotation({3, 1});
  EXPECT_EQ(firsts(rotation, 8), "aabaaaba");
  WeightedRotation even({1, 1, 1});
  EXPECT_EQ(firsts(even, 6), "abcabc");
  WeightedRotation spread({5, 1, 1});
  const auto seven = firsts(spread, 7);
  EXPECT_EQ(std::count(seven.begin(), seven.end(), 'a'), 5);
  EXPECT_EQ(seven.find("aaaaa"), std::string::npos);  // not in a burst
}

TEST(WeightedRotationTest, TheOthersFollowForFailoverWithStandInsLast) {
  WeightedRotation rotation({0, 1, 2, 0});
  const std::vector<std::size_t> first{2, 1, 0, 3};
  EXPECT_EQ(rotation.next(), first);
  const std::vector<std::size_t> second{1, 2, 0, 3};
  EXPECT_EQ(rotation.next(), second);
}

TEST(WeightedRotationTest, AStandInIsNeverFirst) {
  WeightedRotation rotation({0, 1});
  EXPECT_EQ(firsts(rotation, 4), "bbbb");
}

}  // namespace
}  // namespace rtcgate::proxy
