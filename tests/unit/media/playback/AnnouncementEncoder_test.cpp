#include "media/playback/AnnouncementEncoder.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "media/codec/AudioCodecFactory.hpp"

namespace rtcgate::media {
namespace {

WavAudio tone(std::uint32_t rate, double seconds, double hz) {
  WavAudio audio;
  audio.rate = rate;
  const auto count = static_cast<std::size_t>(rate * seconds);
  for (std::size_t i = 0; i < count; ++i) {
    audio.samples.push_back(static_cast<std::int16_t>(
        8000 * std::sin(2 * std::numbers::pi * hz * static_cast<double>(i) / rate)));
  }
  return audio;
}

TEST(AnnouncementEncoderTest, PcmuFramesOf20MsWithTheRecipientsPayloadType) {
  const auto encoded = encodeAnnouncement(tone(8000, 1.0, 1000), {"PCMU", 8000, 0});
  ASSERT_TRUE(encoded) << encoded.error();
  const EncodedAudio& audio = **encoded;
  EXPECT_EQ(audio.frames(), 50u);
  EXPECT_EQ(audio.frameTicks, 160u);
  EXPECT_EQ(audio.payloadType, 0);
  EXPECT_EQ(audio.frame(0).size(), 160u);
  EXPECT_EQ(audio.frame(49).size(), 160u);
}

TEST(AnnouncementEncoderTest, ResamplesAndPadsTheLastFrame) {
  // 48 kHz, 30 ms: two 20 ms PCMA frames, the second half silence.
  const auto encoded = encodeAnnouncement(tone(48000, 0.03, 440), {"PCMA", 8000, 8});
  ASSERT_TRUE(encoded) << encoded.error();
  EXPECT_EQ((*encoded)->frames(), 2u);
  EXPECT_EQ((*encoded)->payloadType, 8);
}

TEST(AnnouncementEncoderTest, DecodesBackToTheTone) {
  const auto encoded = encodeAnnouncement(tone(16000, 0.2, 1000), {"G722", 8000, 9});
  ASSERT_TRUE(encoded) << encoded.error();
  EXPECT_EQ((*encoded)->frameTicks, 160u);  // G.722's 8000 clock although it samples at 16 kHz
  auto decoder = makeAudioCodec("G722", 8000, 16000);
  ASSERT_TRUE(decoder);
  std::vector<std::int16_t> pcm(320);
  double energy = 0;
  for (std::size_t f = 0; f < (*encoded)->frames(); ++f) {
    const std::size_t n = decoder->decode((*encoded)->frame(f), pcm);
    for (std::size_t i = 0; i < n; ++i) energy += std::abs(pcm[i]);
  }
  EXPECT_GT(energy, 1e5);
}

TEST(AnnouncementEncoderTest, OpusFramesTick960) {
  const auto encoded = encodeAnnouncement(tone(48000, 0.1, 1000), {"opus", 48000, 111});
  ASSERT_TRUE(encoded) << encoded.error();
  EXPECT_EQ((*encoded)->frames(), 5u);
  EXPECT_EQ((*encoded)->frameTicks, 960u);
}

TEST(AnnouncementEncoderTest, RefusesACodecItCannotEncode) {
  EXPECT_FALSE(encodeAnnouncement(tone(8000, 0.1, 1000), {"GSM", 8000, 3}));
}

}  // namespace
}  // namespace rtcgate::media
