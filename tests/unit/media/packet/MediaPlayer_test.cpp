#include "media/packet/MediaPlayer.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>

#include "media/packet/RtpPacket.hpp"

namespace rtcgate::media {
namespace {

std::shared_ptr<const EncodedAudio> threeFrames() {
  auto audio = std::make_shared<EncodedAudio>();
  audio->payloadType = 8;
  audio->frameTicks = 160;
  for (std::uint8_t i = 0; i < 3; ++i) {
    const std::array<std::uint8_t, 4> payload{i, i, i, i};
    audio->addFrame(payload);
  }
  return audio;
}

struct Written {
  RtpHeader header;
  std::size_t length = 0;
  std::uint8_t firstPayloadByte = 0;
  bool marker = false;
};

Written next(MediaPlayer& player) {
  std::array<std::uint8_t, 256> buffer{};
  Written written;
  written.length = player.writeNext(buffer.data(), buffer.size());
  if (written.length != 0) {
    EXPECT_TRUE(parseRtpHeader(buffer.data(), written.length, written.header));
    written.firstPayloadByte = buffer[12];
    written.marker = (buffer[1] & 0x80) != 0;
  }
  return written;
}

TEST(MediaPlayerTest, ContinuesThePartysStreamFrameByFrame) {
  MediaPlayer player;
  player.start(threeFrames(), 1, {0xabcdef01, 65535, 1000});
  ASSERT_TRUE(player.playing());
  const Written first = next(player);
  EXPECT_EQ(first.length, 16u);
  EXPECT_TRUE(first.marker);
  EXPECT_EQ(first.header.payloadType, 8);
  EXPECT_EQ(first.header.sequence, 65535);
  EXPECT_EQ(first.header.timestamp, 1000u);
  EXPECT_EQ(first.header.ssrc, 0xabcdef01u);
  const Written second = next(player);
  EXPECT_FALSE(second.marker);
  EXPECT_EQ(second.header.sequence, 0);  // wraps
  EXPECT_EQ(second.header.timestamp, 1160u);
  EXPECT_EQ(second.firstPayloadByte, 1);
  EXPECT_EQ(next(player).header.timestamp, 1320u);
  EXPECT_EQ(next(player).length, 0u);
  EXPECT_FALSE(player.playing());
  EXPECT_EQ(player.sentFrames(), 3u);
}

TEST(MediaPlayerTest, RepeatsTheFramesWithoutANewMarker) {
  MediaPlayer player;
  player.start(threeFrames(), 2, {1, 10, 0});
  for (int i = 0; i < 3; ++i) (void)next(player);
  const Written again = next(player);
  EXPECT_EQ(again.firstPayloadByte, 0);
  EXPECT_FALSE(again.marker);
  EXPECT_EQ(again.header.sequence, 13);
  EXPECT_EQ(again.header.timestamp, 480u);
  for (int i = 0; i < 2; ++i) EXPECT_NE(next(player).length, 0u);
  EXPECT_EQ(next(player).length, 0u);
  EXPECT_EQ(player.sentFrames(), 6u);
}

TEST(MediaPlayerTest, StopEndsItAndASmallBufferWritesNothing) {
  MediaPlayer player;
  player.start(threeFrames(), 1, {1, 0, 0});
  std::array<std::uint8_t, 8> tiny{};
  EXPECT_EQ(player.writeNext(tiny.data(), tiny.size()), 0u);
  player.stop();
  EXPECT_FALSE(player.playing());
  EXPECT_EQ(next(player).length, 0u);
}

TEST(MediaPlayerTest, NothingToPlayIsNotPlaying) {
  MediaPlayer player;
  player.start(std::make_shared<EncodedAudio>(), 1, {});
  EXPECT_FALSE(player.playing());
}

}  // namespace
}  // namespace rtcgate::media
