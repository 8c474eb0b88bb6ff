// The jitter buffer puts packets back in sequence order, drops duplicates and late packets,
// reports gaps as missing once they are due, survives the sequence wrap and resynchronises on a
// new stream.
#include "media/codec/JitterBuffer.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace rtcgate::media {
namespace {

using Kind = JitterBuffer::Kind;
using PushResult = JitterBuffer::PushResult;

class JitterBufferTest : public ::testing::Test {
 protected:
  PushResult push(std::uint16_t sequence, std::uint32_t timestamp, bool marker = false) {
    const std::uint8_t payload[] = {static_cast<std::uint8_t>(sequence),
                                    static_cast<std::uint8_t>(sequence >> 8)};
    return buffer_.push(sequence, timestamp, payload, 0, marker);
  }
  // Pops until nothing is due; returns the sequence numbers, missing ones negated minus one.
  std::vector<int> drain(bool clockDriven = false) {
    std::vector<int> order;
    for (;;) {
      const auto frame = clockDriven ? buffer_.popDue() : buffer_.pop();
      if (frame.kind == Kind::none) return order;
      if (frame.kind == Kind::frame) {
        EXPECT_EQ(frame.payload.size(), 2u);
        EXPECT_EQ(frame.payload[0] | frame.payload[1] << 8, frame.sequence);
      }
      order.push_back(frame.kind == Kind::frame ? frame.sequence : -frame.sequence - 1);
    }
  }

  JitterBuffer buffer_{{.capacity = 16, .maxPayload = 160, .reorderDepth = 3}};
};

TEST_F(JitterBufferTest, InOrderComesStraightOut) {
  EXPECT_EQ(push(100, 1000), PushResult::stored);
  const auto first = buffer_.pop();
  EXPECT_EQ(first.kind, Kind::frame);
  EXPECT_TRUE(first.discontinuity);
  EXPECT_EQ(push(101, 1160), PushResult::stored);
  const auto second = buffer_.pop();
  EXPECT_EQ(second.sequence, 101);
  EXPECT_EQ(second.timestamp, 1160u);
  EXPECT_FALSE(second.discontinuity);
  EXPECT_EQ(buffer_.pop().kind, Kind::none);
  EXPECT_EQ(buffer_.frameTicks(), 160u);
}

TEST_F(JitterBufferTest, ReordersWithinTheWindow) {
  push(10, 0);
  EXPECT_EQ(drain(), (std::vector<int>{10}));
  push(12, 320);
  EXPECT_EQ(drain(), std::vector<int>{});  // 11 may still come
  push(11, 160);
  EXPECT_EQ(drain(), (std::vector<int>{11, 12}));
}

TEST_F(JitterBufferTest, ReorderedBeforePlayoutBeganMovesTheStartBack) {
  push(21, 160);
  push(20, 0);
  const auto first = buffer_.pop();
  EXPECT_EQ(first.sequence, 20);
  EXPECT_TRUE(first.discontinuity);
  const auto second = buffer_.pop();
  EXPECT_EQ(second.sequence, 21);
  EXPECT_FALSE(second.discontinuity);
}

TEST_F(JitterBufferTest, AGapIsMissingOnceEnoughLaterPacketsWait) {
  push(1, 0);
  drain();
  push(3, 320);
  push(4, 480);
  EXPECT_EQ(drain(), std::vector<int>{});
  push(5, 640);
  const auto missing = buffer_.pop();
  EXPECT_EQ(missing.kind, Kind::missing);
  EXPECT_EQ(missing.sequence, 2);
  EXPECT_EQ(missing.timestamp, 160u);  // predicted from the spacing of 3, 4, 5
  EXPECT_EQ(drain(), (std::vector<int>{3, 4, 5}));
}

TEST_F(JitterBufferTest, TheFrameClockMakesAGapDueAtOnce) {
  push(1, 0);
  drain(true);
  push(3, 320);
  EXPECT_EQ(drain(true), (std::vector<int>{-2 - 1, 3}));
  // Nothing buffered: nothing is due, however often the clock ticks.
  EXPECT_EQ(buffer_.popDue().kind, Kind::none);
}

TEST_F(JitterBufferTest, UpcomingShowsThePacketAfterAGap) {
  push(1, 0);
  drain();
  push(3, 320);
  push(4, 480);
  push(5, 640);
  ASSERT_EQ(buffer_.pop().kind, Kind::missing);
  const auto next = buffer_.upcoming();
  ASSERT_EQ(next.kind, Kind::frame);
  EXPECT_EQ(next.sequence, 3);
  ASSERT_EQ(next.payload.size(), 2u);
  EXPECT_EQ(next.payload[0], 3);
  EXPECT_EQ(buffer_.pop().sequence, 3);  // still there for pop
}

TEST_F(JitterBufferTest, DropsDuplicatesAndLatePackets) {
  push(1, 0);
  EXPECT_EQ(push(2, 160), PushResult::stored);
  EXPECT_EQ(push(2, 160), PushResult::duplicate);
  EXPECT_EQ(drain(), (std::vector<int>{1, 2}));
  EXPECT_EQ(push(1, 0), PushResult::late);
  EXPECT_EQ(push(2, 160), PushResult::late);
  EXPECT_EQ(buffer_.size(), 0u);
}

TEST_F(JitterBufferTest, SequenceWrap) {
  push(65534, 1000);
  EXPECT_EQ(push(0, 1320), PushResult::stored);
  EXPECT_EQ(push(65535, 1160), PushResult::stored);
  EXPECT_EQ(push(1, 1480), PushResult::stored);
  EXPECT_EQ(drain(), (std::vector<int>{65534, 65535, 0, 1}));
  EXPECT_EQ(push(65535, 1160), PushResult::late);
}

TEST_F(JitterBufferTest, ASequenceFarAheadResyncs) {
  push(100, 0);
  push(101, 160);
  drain();
  push(103, 480);
  EXPECT_EQ(push(5000, 800000), PushResult::resynced);
  const auto frame = buffer_.pop();
  EXPECT_EQ(frame.sequence, 5000);
  EXPECT_TRUE(frame.discontinuity);
  EXPECT_EQ(buffer_.size(), 0u);  // 103 went with the old stream
}

TEST_F(JitterBufferTest, ASequenceFarBehindIsANewStreamNotALatePacket) {
  push(30000, 0);
  drain();
  EXPECT_EQ(push(29990, 0), PushResult::late);
  EXPECT_EQ(push(100, 0), PushResult::resynced);
}

TEST_F(JitterBufferTest, ATimestampJumpResyncs) {
  push(1, 0);
  push(2, 160);
  drain();
  // Same sequence space, timestamp 100 s away: a restarted sender.
  EXPECT_EQ(push(3, 800000), PushResult::resynced);
  EXPECT_TRUE(buffer_.pop().discontinuity);
  // A talk spurt after a few seconds of silence is not a jump.
  EXPECT_EQ(push(4, 800000 + 3 * 8000), PushResult::stored);
  EXPECT_FALSE(buffer_.pop().discontinuity);
}

TEST_F(JitterBufferTest, RepeatedTimestampsOfAnEventAreNotAJump) {
  push(1, 0);
  for (std::uint16_t sequence = 2; sequence < 60; ++sequence) {
    EXPECT_EQ(push(sequence, 160), PushResult::stored);
    EXPECT_EQ(buffer_.pop().sequence, sequence - 1);
  }
}

TEST_F(JitterBufferTest, KeepsPayloadTypeAndMarker) {
  const std::uint8_t event[] = {1, 0x80, 0, 160};
  buffer_.push(7, 0, event, 101, true);
  const auto frame = buffer_.pop();
  EXPECT_EQ(frame.payloadType, 101);
  EXPECT_TRUE(frame.marker);
  EXPECT_EQ(frame.payload.size(), 4u);
}

TEST_F(JitterBufferTest, RefusesAPayloadLargerThanASlot) {
  const std::vector<std::uint8_t> big(161);
  EXPECT_EQ(buffer_.push(1, 0, big), PushResult::tooLarge);
  EXPECT_EQ(buffer_.size(), 0u);
}

TEST_F(JitterBufferTest, ResetForgetsTheStream) {
  push(1, 0);
  push(3, 320);
  buffer_.reset();
  EXPECT_EQ(buffer_.pop().kind, Kind::none);
  EXPECT_EQ(push(9000, 5), PushResult::stored);
  EXPECT_EQ(buffer_.pop().sequence, 9000);
}

}  // namespace
}  // namespace rtcgate::media
