// Codec round trips: a tone encoded and decoded by each codec keeps its frequency and level; the
// G.722 band reaches 6 kHz and G.711's does not; concealment of a lost frame is audible and
// bounded; the factory knows the rtpmap names.
#include <gtest/gtest.h>

#include <memory>
#include <ostream>
#include <vector>

#include "base/AsciiCase.hpp"
#include "media/codec/AudioCodecFactory.hpp"
#include "media/codec/G722Codec.hpp"
#include "media/codec/OpusCodec.hpp"
#include "media/codec/PcmaCodec.hpp"
#include "media/codec/PcmuCodec.hpp"
#include "media/codec/Resampler.hpp"
#include "unit/media/codec/ToneAnalysis.hpp"

namespace rtcgate::media {
namespace {

using Pcm = std::vector<std::int16_t>;

// Encodes `frames` 20 ms frames of a tone and decodes them again; returns the decoded PCM.
Pcm roundTrip(AudioCodec& codec, double frequency, double amplitude, int frames = 50) {
  const std::size_t frame = codec.pcmRate() / 50;
  tone::ToneGenerator generator(frequency, codec.pcmRate(), amplitude);
  Pcm decoded;
  std::vector<std::uint8_t> payload(4000);
  Pcm out(5760);
  for (int i = 0; i < frames; ++i) {
    const Pcm in = generator.next(frame);
    const std::size_t bytes = codec.encode(in, payload);
    EXPECT_GT(bytes, 0u);
    const std::size_t samples = codec.decode(std::span(payload).first(bytes), out);
    EXPECT_EQ(samples, frame);
    decoded.insert(decoded.end(), out.begin(), out.begin() + static_cast<long>(samples));
  }
  return decoded;
}

// The decoded signal after the codec's start-up (filters, Opus's look-ahead) has settled.
std::span<const std::int16_t> settled(const Pcm& pcm, std::uint32_t rate) {
  return std::span(pcm).subspan(rate / 10);
}

struct ToneCase {
  const char* name;
  std::uint32_t pcmRate;
  double frequency;
  double minSnrDb;
};

void PrintTo(const ToneCase& c, std::ostream* os) {
  *os << c.name << " at " << c.pcmRate << " Hz, " << c.frequency << " Hz tone";
}

class CodecRoundTrip : public ::testing::TestWithParam<ToneCase> {};

TEST_P(CodecRoundTrip, KeepsFrequencyAndLevel) {
  const ToneCase& c = GetParam();
  auto codec = makeAudioCodec(c.name, std::string_view(c.name) == "opus" ? 48000 : 8000, c.pcmRate);
  ASSERT_NE(codec, nullptr);
  ASSERT_EQ(codec->pcmRate(), c.pcmRate);
  const double amplitude = 8000;
  const Pcm decoded = roundTrip(*codec, c.frequency, amplitude);
  const auto steady = settled(decoded, c.pcmRate);
  EXPECT_NEAR(tone::dominantFrequency(steady, c.pcmRate), c.frequency, c.frequency * 0.02);
  EXPECT_GT(tone::toneSnrDb(steady, c.pcmRate, c.frequency), c.minSnrDb);
  // Level within 1 dB of what went in.
  EXPECT_NEAR(tone::decibels(tone::meanSquare(steady) / (amplitude * amplitude / 2)), 0, 1.0);
}

INSTANTIATE_TEST_SUITE_P(
    Tones, CodecRoundTrip,
    ::testing::Values(ToneCase{"PCMU", 8000, 1000, 35}, ToneCase{"PCMA", 8000, 1000, 35},
                      ToneCase{"PCMU", 8000, 300, 30}, ToneCase{"G722", 16000, 1000, 35},
                      ToneCase{"G722", 16000, 6000, 20}, ToneCase{"opus", 48000, 1000, 25},
                      ToneCase{"opus", 16000, 1000, 25}, ToneCase{"opus", 8000, 1000, 15}),
    [](const auto& info) {
      return std::string(info.param.name) + "_" + std::to_string(info.param.pcmRate) + "_" +
             std::to_string(static_cast<int>(info.param.frequency));
    });

TEST(G722Wideband, SixKilohertzSurvivesG722ButNotG711) {
  const double amplitude = 8000;
  G722Codec g722;
  const Pcm wide = roundTrip(g722, 6000, amplitude);
  const auto wideSteady = settled(wide, 16000);
  const double widePower = tone::goertzelPower(wideSteady, 16000, 6000);
  EXPECT_GT(tone::decibels(widePower / (amplitude * amplitude / 2)), -3);

  // The same 16 kHz tone brought down to 8 kHz for G.711: the low-pass removes it (without it, it
  // would alias to 2 kHz).
  Resampler down(16000, 8000);
  PcmuCodec pcmu;
  tone::ToneGenerator generator(6000, 16000, amplitude);
  Pcm narrow;
  Pcm frame8k(160);
  std::vector<std::uint8_t> payload(160);
  for (int i = 0; i < 50; ++i) {
    const Pcm frame16k = generator.next(320);
    ASSERT_EQ(down.process(frame16k, frame8k), 160u);
    ASSERT_EQ(pcmu.encode(frame8k, payload), 160u);
    ASSERT_EQ(pcmu.decode(payload, frame8k), 160u);
    narrow.insert(narrow.end(), frame8k.begin(), frame8k.end());
  }
  const auto narrowSteady = settled(narrow, 8000);
  EXPECT_LT(tone::decibels(tone::meanSquare(narrowSteady) / (amplitude * amplitude / 2)), -40);
  EXPECT_LT(
      tone::decibels(tone::goertzelPower(narrowSteady, 8000, 2000) / (amplitude * amplitude / 2)),
      -50);
}

// Feeds 20 frames of a tone, then conceals one: the concealed frame is neither silent nor louder
// than what came before.
void expectAudibleBoundedConcealment(AudioCodec& codec) {
  const double amplitude = 8000;
  const Pcm decoded = roundTrip(codec, 440, amplitude, 20);
  const double before = tone::rms(std::span(decoded).last(codec.pcmRate() / 50));
  Pcm concealed(codec.pcmRate() / 50);
  ASSERT_EQ(codec.conceal(concealed), concealed.size());
  EXPECT_GT(tone::rms(concealed), 0.3 * before);
  EXPECT_LE(tone::peak(concealed), 1.3 * amplitude);
}

TEST(Concealment, PcmuAudibleAndBounded) {
  PcmuCodec codec;
  expectAudibleBoundedConcealment(codec);
}

TEST(Concealment, PcmaAudibleAndBounded) {
  PcmaCodec codec;
  expectAudibleBoundedConcealment(codec);
}

TEST(Concealment, G722AudibleAndBounded) {
  G722Codec codec;
  expectAudibleBoundedConcealment(codec);
}

TEST(Concealment, OpusAudibleAndBounded) {
  OpusCodec codec({.pcmRate = 16000});
  expectAudibleBoundedConcealment(codec);
}

// The lost frame changes pitch (440 Hz before, 900 Hz from it on): concealment can only carry
// on with what it heard, the FEC the next packet carries knows the new pitch.
TEST(Concealment, OpusRecoversFromInbandFec) {
  OpusCodec sender({.pcmRate = 16000, .inbandFec = true});
  OpusCodec recovering({.pcmRate = 16000});
  OpusCodec concealing({.pcmRate = 16000});
  tone::ToneGenerator before(440, 16000, 8000);
  tone::ToneGenerator after(900, 16000, 8000);
  std::vector<std::uint8_t> lost(1500), next(1500);
  Pcm out(320);
  for (int i = 0; i < 25; ++i) {
    const std::size_t bytes = sender.encode(before.next(320), next);
    ASSERT_GT(recovering.decode(std::span(next).first(bytes), out), 0u);
    ASSERT_GT(concealing.decode(std::span(next).first(bytes), out), 0u);
  }
  const std::size_t lostBytes = sender.encode(after.next(320), lost);
  const std::size_t nextBytes = sender.encode(after.next(320), next);
  ASSERT_GT(lostBytes, 0u);
  ASSERT_GT(nextBytes, 0u);
  Pcm recovered(320), concealed(320);
  ASSERT_EQ(recovering.recover(std::span(next).first(nextBytes), recovered), 320u);
  ASSERT_EQ(concealing.conceal(concealed), 320u);
  // The second half of the frame, past the codec delay and the cross-fade.
  const auto late = [](const Pcm& pcm) { return std::span(pcm).last(160); };
  EXPECT_GT(tone::decibels(tone::goertzelPower(late(recovered), 16000, 900) /
                           tone::goertzelPower(late(concealed), 16000, 900)),
            10);
  EXPECT_EQ(recovering.decode(std::span(next).first(nextBytes), out), 320u);
}

TEST(AudioCodecFactory, KnowsTheRtpmapNamesWhateverTheCase) {
  for (const char* name : {"PCMU", "pcmu", "PCMA", "G722", "g722"}) {
    auto codec = makeAudioCodec(name, 8000, 8000);
    ASSERT_NE(codec, nullptr) << name;
    EXPECT_TRUE(equalsIgnoringCase(codec->name(), name)) << name;
  }
  auto opus = makeAudioCodec("OPUS", 48000, 16000, "minptime=10; useinbandfec=1");
  ASSERT_NE(opus, nullptr);
  EXPECT_EQ(opus->name(), "opus");
  EXPECT_EQ(opus->clockRate(), 48000u);
  EXPECT_EQ(opus->pcmRate(), 16000u);
  EXPECT_EQ(opus->channels(), 2u);
  auto g722 = makeAudioCodec("G722", 8000, 8000);
  EXPECT_EQ(g722->pcmRate(), 16000u);
  EXPECT_EQ(g722->ticksFor(320), 160u);
}

TEST(AudioCodecFactory, NullForWhatWeDoNotHandle) {
  EXPECT_EQ(makeAudioCodec("G729", 8000, 8000), nullptr);
  EXPECT_EQ(makeAudioCodec("telephone-event", 8000, 8000), nullptr);
  EXPECT_EQ(makeAudioCodec("PCMU", 16000, 8000), nullptr);
  EXPECT_EQ(makeAudioCodec("opus", 8000, 8000), nullptr);
  EXPECT_EQ(makeAudioCodec("opus", 48000, 44100), nullptr);
  EXPECT_EQ(makeAudioCodec("", 8000, 8000), nullptr);
}

TEST(OpusFmtp, ReadsFecAndBitrate) {
  const auto options =
      OpusCodec::optionsFromFmtp(8000, "minptime=10;useinbandfec=1; maxaveragebitrate=20000");
  EXPECT_EQ(options.pcmRate, 8000u);
  EXPECT_TRUE(options.inbandFec);
  EXPECT_EQ(options.bitrate, 20000u);
  const auto ignored = OpusCodec::optionsFromFmtp(8000, "useinbandfec=0;maxaveragebitrate=99;x");
  EXPECT_FALSE(ignored.inbandFec);
  EXPECT_EQ(ignored.bitrate, 0u);
}

TEST(AudioCodecErrors, RefuseWhatDoesNotFit) {
  PcmuCodec pcmu;
  G722Codec g722;
  OpusCodec opus({.pcmRate = 8000});
  std::vector<std::uint8_t> payload(160, 0xff);
  Pcm small(100);
  EXPECT_EQ(pcmu.decode(payload, small), 0u);
  EXPECT_EQ(pcmu.decode({}, small), 0u);
  EXPECT_EQ(g722.decode(payload, small), 0u);
  Pcm odd(161);
  EXPECT_EQ(g722.encode(odd, payload), 0u);
  // 7 ms is not an Opus frame length.
  Pcm notAFrame(56);
  EXPECT_EQ(opus.encode(notAFrame, payload), 0u);
  const std::uint8_t garbage[] = {0xff, 0xff, 0xff};
  Pcm out(960);
  EXPECT_EQ(opus.decode(garbage, out), 0u);
}

}  // namespace
}  // namespace rtcgate::media
