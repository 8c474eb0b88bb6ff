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

}  // namespace
}  // namespace rtcgate::media
