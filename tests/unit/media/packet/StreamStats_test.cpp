#include "media/packet/StreamStats.hpp"

#include <gtest/gtest.h>

namespace rtcgate::media {
namespace {

RtpHeader packet(std::uint16_t sequence, std::uint32_t timestamp, std::uint32_t ssrc = 42) {
  return RtpHeader{0, sequence, timestamp, ssrc};
}

TEST(StreamStats, CountsSequenceGapsAsLossAcrossWrap) {
  StreamStats stats;
  // 65530..65535, 0..9 with 3 and 65533 missing: 16 expected, 14 received.
  for (std::uint32_t i = 65530; i < 65546; ++i) {
    const auto sequence = static_cast<std::uint16_t>(i);
    if (sequence == 3 || sequence == 65533) continue;
    stats.countRtp(packet(sequence, i * 160), i * 160);
  }
  EXPECT_EQ(stats.lost(), 2);
  EXPECT_EQ(stats.lastSequence(), 9);
  EXPECT_EQ(stats.ssrc(), 42u);
}

TEST(StreamStats, DuplicatesAndReorderingDoNotCountAsLoss) {
  StreamStats stats;
  for (std::uint16_t s : {1, 2, 4, 3, 5, 5}) stats.countRtp(packet(s, s * 160u), s * 160u);
  EXPECT_EQ(stats.lost(), 0);
}

TEST(StreamStats, JitterIsZeroForPerfectPacingAndGrowsWithVariation) {
  StreamStats steady;
  for (std::uint32_t i = 0; i < 100; ++i) steady.countRtp(packet(i, i * 160), 5000 + i * 160);
  EXPECT_EQ(steady.jitter(), 0u);
  StreamStats jittery;
  for (std::uint32_t i = 0; i < 100; ++i) {
    jittery.countRtp(packet(i, i * 160), 5000 + i * 160 + (i % 2 == 0 ? 0 : 80));
  }
  // RFC 3550 A.8 converges to the mean |D| of 80 units.
  EXPECT_GT(jittery.jitter(), 60u);
  EXPECT_LE(jittery.jitter(), 80u);
}

TEST(StreamStats, NewSsrcRestartsSequenceTracking) {
  StreamStats stats;
  stats.countRtp(packet(100, 0, 1), 0);
  stats.countRtp(packet(5, 0, 2), 0);
  stats.countRtp(packet(6, 160, 2), 160);
  EXPECT_EQ(stats.ssrc(), 2u);
  EXPECT_EQ(stats.lost(), 0);
}

// Which codec and packetisation the sender uses now, as the packets show it: an RFC 4733 event's
// packets (same timestamp) and gaps do not change the step.
TEST(StreamStats, PayloadTypeAndTimestampStepOfTheNewestPackets) {
  StreamStats stats;
  EXPECT_EQ(stats.timestampStep(), 0u);
  stats.countRtp(RtpHeader{111, 1, 960, 7}, 0);
  stats.countRtp(RtpHeader{111, 2, 1920, 7}, 0);
  EXPECT_EQ(stats.timestampStep(), 960u);
  EXPECT_EQ(stats.lastPayloadType(), 111);
  stats.countRtp(RtpHeader{126, 3, 2880, 7}, 0);
  stats.countRtp(RtpHeader{126, 4, 2880, 7}, 0);  // the event's later packets
  stats.countRtp(RtpHeader{111, 7, 9000, 7}, 0);  // after a gap
  EXPECT_EQ(stats.timestampStep(), 960u);
  stats.countRtp(RtpHeader{0, 8, 9240, 7}, 0);  // switched to 30 ms PCMU
  EXPECT_EQ(stats.timestampStep(), 240u);
  EXPECT_EQ(stats.lastPayloadType(), 0);
}

}  // namespace
}  // namespace rtcgate::media
