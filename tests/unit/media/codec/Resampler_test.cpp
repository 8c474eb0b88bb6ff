// Resampling between 8, 16 and 48 kHz: an in-band tone keeps its frequency and level, an
// out-of-band one is removed rather than folded back, and frame-by-frame equals all at once.
#include "media/codec/Resampler.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <stdexcept>
#include <vector>

#include "unit/media/codec/ToneAnalysis.hpp"

namespace rtcgate::media {
namespace {

using Pcm = std::vector<std::int16_t>;

// Resamples one second of a tone in 20 ms frames.
Pcm resampleTone(Resampler& resampler, double frequency, double amplitude) {
  tone::ToneGenerator generator(frequency, resampler.inRate(), amplitude);
  const std::size_t frame = resampler.inRate() / 50;
  Pcm out(resampler.maxOutput(frame));
  Pcm all;
  for (int i = 0; i < 50; ++i) {
    const std::size_t n = resampler.process(generator.next(frame), out);
    EXPECT_EQ(n, resampler.outRate() / 50);
    all.insert(all.end(), out.begin(), out.begin() + static_cast<long>(n));
  }
  return all;
}

struct RateCase {
  std::uint32_t in;
  std::uint32_t out;
  double frequency;
};

void PrintTo(const RateCase& c, std::ostream* os) {
  *os << c.in << " -> " << c.out << " Hz, " << c.frequency << " Hz tone";
}

class ResamplerTone : public ::testing::TestWithParam<RateCase> {};

TEST_P(ResamplerTone, KeepsAnInBandTone) {
  const RateCase& c = GetParam();
  Resampler resampler(c.in, c.out);
  const double amplitude = 10000;
  const Pcm out = resampleTone(resampler, c.frequency, amplitude);
  const auto steady = std::span(out).subspan(c.out / 10);
  EXPECT_NEAR(tone::dominantFrequency(steady, c.out), c.frequency, c.frequency * 0.01);
  EXPECT_GT(tone::toneSnrDb(steady, c.out, c.frequency), 50);
  EXPECT_NEAR(tone::decibels(tone::meanSquare(steady) / (amplitude * amplitude / 2)), 0, 0.5);
}

INSTANTIATE_TEST_SUITE_P(Rates, ResamplerTone,
                         ::testing::Values(RateCase{8000, 16000, 1000}, RateCase{16000, 8000, 1000},
                                           RateCase{8000, 48000, 1000}, RateCase{48000, 8000, 1000},
                                           RateCase{16000, 48000, 3000},
                                           RateCase{48000, 16000, 3000},
                                           RateCase{16000, 8000, 3000}, RateCase{8000, 8000, 1000}),
                         [](const auto& info) {
                           return std::to_string(info.param.in) + "_to_" +
                                  std::to_string(info.param.out) + "_" +
                                  std::to_string(static_cast<int>(info.param.frequency));
                         });

TEST(Resampler, DownsamplingRemovesWhatWouldAlias) {
  const double amplitude = 10000;
  const double reference = amplitude * amplitude / 2;
  // 6 kHz at 16 kHz would fold to 2 kHz at 8 kHz; 20 kHz at 48 kHz to 4 kHz at 16 kHz... and to
  // 4 kHz at 8 kHz.
  Resampler sixteenToEight(16000, 8000);
  const Pcm a = resampleTone(sixteenToEight, 6000, amplitude);
  EXPECT_LT(tone::decibels(tone::meanSquare(std::span(a).subspan(800)) / reference), -60);
  Resampler fortyEightToSixteen(48000, 16000);
  const Pcm b = resampleTone(fortyEightToSixteen, 12000, amplitude);
  EXPECT_LT(tone::decibels(tone::meanSquare(std::span(b).subspan(1600)) / reference), -60);
  Resampler fortyEightToEight(48000, 8000);
  const Pcm c = resampleTone(fortyEightToEight, 5000, amplitude);
  EXPECT_LT(tone::decibels(tone::meanSquare(std::span(c).subspan(800)) / reference), -60);
}

TEST(Resampler, UpsamplingRemovesTheImages) {
  // 1 kHz at 8 kHz upsampled to 48 kHz: zero-stuffing would leave images at 7, 9, 15, 17... kHz.
  Resampler up(8000, 48000);
  const Pcm out = resampleTone(up, 1000, 10000);
  const auto steady = std::span(out).subspan(4800);
  const double tonePower = tone::goertzelPower(steady, 48000, 1000);
  for (const double image : {7000.0, 9000.0, 15000.0, 17000.0}) {
    EXPECT_LT(tone::decibels(tone::goertzelPower(steady, 48000, image) / tonePower), -60) << image;
  }
}

TEST(Resampler, FrameByFrameEqualsAllAtOnce) {
  const Pcm in = tone::makeTone(700, 16000, 3200, 9000);
  Resampler whole(16000, 48000);
  Pcm expected(9600);
  ASSERT_EQ(whole.process(in, expected), 9600u);
  Resampler framed(16000, 48000);
  Pcm got;
  Pcm out(9600);
  // Uneven pieces too: the state carries across any split.
  for (std::size_t at = 0, piece = 7; at < in.size(); at += piece, piece = piece * 3 % 401 + 1) {
    const auto chunk = std::span(in).subspan(at, std::min(piece, in.size() - at));
    const std::size_t n = framed.process(chunk, out);
    got.insert(got.end(), out.begin(), out.begin() + static_cast<long>(n));
  }
  EXPECT_EQ(got, expected);
}

TEST(Resampler, DownsamplingByThreeKeepsPhaseAcrossOddFrames) {
  Resampler down(48000, 16000);
  const Pcm in(100, 1000);
  Pcm out(100);
  // 100 inputs give 34 then 33 then 33 outputs: 300 inputs, 100 outputs.
  EXPECT_EQ(down.process(in, out), 34u);
  EXPECT_EQ(down.process(in, out), 33u);
  EXPECT_EQ(down.process(in, out), 33u);
}

TEST(Resampler, RejectsRatesThatAreNotMultiples) {
  EXPECT_THROW(Resampler(44100, 48000), std::invalid_argument);
  EXPECT_THROW(Resampler(0, 8000), std::invalid_argument);
}

}  // namespace
}  // namespace rtcgate::media
