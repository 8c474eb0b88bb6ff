#include "http/EventQueue.hpp"

#include <gtest/gtest.h>

namespace rtcgate::http {
namespace {

SharedText text(std::string value) { return std::make_shared<const std::string>(std::move(value)); }

TEST(EventQueue, KeepsOrderWhileThereIsRoom) {
  EventQueue queue(3);
  EXPECT_TRUE(queue.push(text("a")));
  EXPECT_TRUE(queue.push(text("b")));
  ASSERT_EQ(queue.size(), 2u);
  EXPECT_EQ(*queue.front(), "a");
  queue.pop();
  EXPECT_EQ(*queue.front(), "b");
  EXPECT_EQ(queue.dropped(), 0u);
}

TEST(EventQueue, OverflowDropsTheOldestAndCountsInTheSharedTotal) {
  std::uint64_t total = 0;
  EventQueue queue(2, &total);
  queue.push(text("1"));
  queue.push(text("2"));
  EXPECT_FALSE(queue.push(text("3")));
  EXPECT_FALSE(queue.push(text("4")));
  ASSERT_EQ(queue.size(), 2u);
  EXPECT_EQ(*queue.front(), "3");
  EXPECT_EQ(queue.dropped(), 2u);
  EXPECT_EQ(total, 2u);

  EventQueue other(1, &total);
  other.push(text("x"));
  other.push(text("y"));
  EXPECT_EQ(total, 3u);  // shared by every queue
}

TEST(EventQueue, ZeroCapacityStillHoldsTheLatestEvent) {
  EventQueue queue(0);
  queue.push(text("a"));
  queue.push(text("b"));
  ASSERT_EQ(queue.size(), 1u);
  EXPECT_EQ(*queue.front(), "b");
}

}  // namespace
}  // namespace rtcgate::http
