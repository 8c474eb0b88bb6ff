#include "media/recording/RecordingQueue.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "media/recording/RecordingTap.hpp"

namespace rtcgate::media {
namespace {

TEST(RecordingQueueTest, PacketsLeaveRoomForStartAndStop) {
  RecordingQueue queue(64);
  EXPECT_EQ(queue.capacity(), 64u);
  std::size_t packets = 0;
  while (RecordingMessage* slot = queue.reservePacket()) {
    slot->micros = static_cast<std::int64_t>(packets++);
    queue.publish();
  }
  EXPECT_EQ(packets, 64u - RecordingQueue::kControlReserve);
  ASSERT_NE(queue.reserveControl(), nullptr);  // a stop still fits
  queue.publish();
  // First in, first out; a freed slot takes a packet again.
  ASSERT_NE(queue.front(), nullptr);
  EXPECT_EQ(queue.front()->micros, 0);
  queue.pop();
  EXPECT_EQ(queue.front()->micros, 1);
  // The stop still holds a slot: packets get room again once the reserve is whole.
  EXPECT_EQ(queue.reservePacket(), nullptr);
  queue.pop();
  EXPECT_NE(queue.reservePacket(), nullptr);
}

TEST(RecordingQueueTest, CapacityIsAPowerOfTwoAboveTheReserve) {
  EXPECT_EQ(RecordingQueue(100).capacity(), 128u);
  EXPECT_EQ(RecordingQueue(1).capacity(), 2 * RecordingQueue::kControlReserve);
}

TEST(RecordingQueueTest, AFullQueueDropsTheTapsPacketAndCountsIt) {
  RecordingQueue queue(32);
  SharedCounter relayDropped;
  auto* recording = reinterpret_cast<CallRecording*>(&queue);  // only carried, never used here
  RecordingTap tap(queue, *recording, 1, relayDropped);
  const std::uint8_t packet[20] = {0x80, 0};
  for (int i = 0; i < 20; ++i) tap.onRtp(packet, sizeof packet, i);
  EXPECT_EQ(tap.dropped(), 20u - (32u - RecordingQueue::kControlReserve));
  EXPECT_EQ(relayDropped.value(), tap.dropped());
  const RecordingMessage* first = queue.front();
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->kind, RecordingMessage::Kind::Packet);
  EXPECT_EQ(first->channel, 1);
  EXPECT_EQ(first->length, sizeof packet);
  EXPECT_EQ(first->recording, recording);
  // A packet larger than a slot is dropped too, never truncated.
  std::vector<std::uint8_t> jumbo(RecordingMessage::kMaxPacket + 1, 0x80);
  while (queue.front() != nullptr) queue.pop();
  tap.onRtp(jumbo.data(), jumbo.size(), 0);
  EXPECT_EQ(queue.front(), nullptr);
}

TEST(RecordingQueueTest, OneProducerAndOneConsumerSeeEveryPacketInOrder) {
  RecordingQueue queue(64);
  constexpr int kCount = 100000;
  std::thread consumer([&] {
    std::int64_t expected = 0;
    while (expected < kCount) {
      if (RecordingMessage* message = queue.front()) {
        ASSERT_EQ(message->micros, expected);
        ++expected;
        queue.pop();
      }
    }
  });
  for (int i = 0; i < kCount;) {
    if (RecordingMessage* slot = queue.reservePacket()) {
      slot->micros = i++;
      queue.publish();
    }
  }
  consumer.join();
}

}  // namespace
}  // namespace rtcgate::media
