#include "base/SecureRandom.hpp"

#include <gtest/gtest.h>

#include <array>
#include <set>
#include <thread>

namespace rtcgate {
namespace {

TEST(SecureRandom, HexHasTwoDigitsPerByteAndNeverRepeats) {
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    const std::string id = SecureRandom::hex(16);
    ASSERT_EQ(id.size(), 32u);
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
    EXPECT_TRUE(seen.insert(id).second);
  }
}

TEST(SecureRandom, LongRequestsSpanBatches) {
  // More than one 4 KiB batch: the refill must continue the output, not repeat it.
  const std::string a = SecureRandom::hex(5000);
  ASSERT_EQ(a.size(), 10000u);
  EXPECT_NE(a.substr(0, 64), a.substr(8192, 64));
}

TEST(SecureRandom, TokenUsesOnlyTheAlphabetAndEveryLetterOfIt) {
  const std::string token = SecureRandom::token(20000, "abc");
  ASSERT_EQ(token.size(), 20000u);
  std::array<int, 3> counts{};
  for (char c : token) {
    ASSERT_TRUE(c >= 'a' && c <= 'c');
    ++counts[static_cast<std::size_t>(c - 'a')];
  }
  // Uniform: each letter near 1/3 (the bound is ~20 standard deviations, never flaky).
  for (int count : counts) EXPECT_NEAR(count, 20000 / 3, 1300);
}

TEST(SecureRandom, TokenOfEmptyAlphabetIsEmpty) { EXPECT_TRUE(SecureRandom::token(8, "").empty()); }

TEST(SecureRandom, Next64UsesAllBits) {
  std::uint64_t orBits = 0;
  std::uint64_t andBits = ~std::uint64_t{0};
  for (int i = 0; i < 256; ++i) {
    const std::uint64_t value = SecureRandom::next64();
    orBits |= value;
    andBits &= value;
  }
  EXPECT_EQ(orBits, ~std::uint64_t{0});
  EXPECT_EQ(andBits, 0u);
}

TEST(SecureRandom, ThreadsDrawDifferentBytes) {
  std::string other;
  std::thread worker([&other] { other = SecureRandom::hex(32); });
  const std::string mine = SecureRandom::hex(32);
  worker.join();
  EXPECT_NE(mine, other);
}

TEST(SecureRandom, FillWritesTheWholeSpan) {
  std::array<std::uint8_t, 100> bytes{};
  SecureRandom::fill(bytes);
  int zeros = 0;
  for (auto b : bytes) zeros += b == 0 ? 1 : 0;
  EXPECT_LT(zeros, 10);
}

}  // namespace
}  // namespace rtcgate
