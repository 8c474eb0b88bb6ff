#include "media/playback/WavReader.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace rtcgate::media {
namespace {

// The file is built as a string (GCC 12 at -O2 warns falsely about a growing byte vector's copies).
void put16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v & 0xff));
  out.push_back(static_cast<char>(v >> 8));
}

void put32(std::string& out, std::uint32_t v) {
  put16(out, static_cast<std::uint16_t>(v));
  put16(out, static_cast<std::uint16_t>(v >> 16));
}

void tag(std::string& out, const char* text) { out.append(text, 4); }

struct WavSpec {
  std::uint16_t format = 1;
  std::uint16_t channels = 1;
  std::uint32_t rate = 8000;
  std::uint16_t bits = 16;
  std::vector<std::int16_t> samples;  // interleaved
  bool extraChunk = false;
};

std::vector<std::uint8_t> wav(const WavSpec& spec) {
  std::string out;
  tag(out, "RIFF");
  put32(out, 0);  // patched below
  tag(out, "WAVE");
  if (spec.extraChunk) {
    tag(out, "LIST");
    put32(out, 3);
    out.append("\x01\x02\x03\x00", 4);  // odd size: padded
  }
  tag(out, "fmt ");
  put32(out, 16);
  put16(out, spec.format);
  put16(out, spec.channels);
  put32(out, spec.rate);
  put32(out, spec.rate * spec.channels * spec.bits / 8);
  put16(out, static_cast<std::uint16_t>(spec.channels * spec.bits / 8));
  put16(out, spec.bits);
  tag(out, "data");
  put32(out, static_cast<std::uint32_t>(spec.samples.size() * 2));
  for (const std::int16_t s : spec.samples) put16(out, static_cast<std::uint16_t>(s));
  const auto riff = static_cast<std::uint32_t>(out.size() - 8);
  for (int i = 0; i < 4; ++i) out[4 + i] = static_cast<char>((riff >> (8 * i)) & 0xff);
  return std::vector<std::uint8_t>(out.begin(), out.end());
}

TEST(WavReaderTest, ReadsMono16BitPcm) {
  const auto parsed = parseWav(wav({.rate = 16000, .samples = {1, -2, 300, -32768}}));
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_EQ(parsed->rate, 16000u);
  EXPECT_EQ(parsed->samples, (std::vector<std::int16_t>{1, -2, 300, -32768}));
}

TEST(WavReaderTest, MixesStereoToMonoAndSkipsOtherChunks) {
  const auto parsed = parseWav(
      wav({.channels = 2, .rate = 48000, .samples = {100, 300, -10, -20}, .extraChunk = true}));
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_EQ(parsed->rate, 48000u);
  EXPECT_EQ(parsed->samples, (std::vector<std::int16_t>{200, -15}));
}

TEST(WavReaderTest, ReadsADataChunkCutShort) {
  auto bytes = wav({.samples = {5, 6, 7, 8}});
  bytes.resize(bytes.size() - 4);  // the header still says 4 samples
  const auto parsed = parseWav(bytes);
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_EQ(parsed->samples, (std::vector<std::int16_t>{5, 6}));
}

TEST(WavReaderTest, RefusesWhatItCannotPlay) {
  EXPECT_FALSE(parseWav(std::vector<std::uint8_t>{'R', 'I', 'F', 'F'}));
  auto notWave = wav({.samples = {1}});
  notWave[8] = 'X';
  EXPECT_FALSE(parseWav(notWave));
  EXPECT_FALSE(parseWav(wav({.format = 3, .samples = {1, 2}})));  // float
  EXPECT_FALSE(parseWav(wav({.bits = 8, .samples = {1, 2}})));
  EXPECT_FALSE(parseWav(wav({.rate = 44100, .samples = {1, 2}})));
  EXPECT_FALSE(parseWav(wav({.channels = 6, .samples = {1, 2, 3, 4, 5, 6}})));
  EXPECT_FALSE(parseWav(wav({.samples = {}})));  // no audio
  auto noFmt = wav({.samples = {1}});
  noFmt[12] = 'x';  // "xmt ": skipped, then data before fmt
  EXPECT_FALSE(parseWav(noFmt));
}

TEST(WavReaderTest, ReadsAFileAndSaysWhenThereIsNone) {
  const auto path = std::filesystem::temp_directory_path() / "rtcgate-wavreader-test.wav";
  const auto bytes = wav({.samples = {42, 43}});
  std::FILE* file = std::fopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  std::fwrite(bytes.data(), 1, bytes.size(), file);
  std::fclose(file);
  const auto parsed = readWav(path.string());
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_EQ(parsed->samples.size(), 2u);
  std::filesystem::remove(path);
  EXPECT_FALSE(readWav(path.string()));
}

}  // namespace
}  // namespace rtcgate::media
