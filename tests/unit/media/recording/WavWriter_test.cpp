#include "media/recording/WavWriter.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "unit/media/recording/WavFile.hpp"

namespace rtcgate::media {
namespace {

std::string tempPath(const char* name) {
  return (std::filesystem::temp_directory_path() /
          (std::string(name) + "-" + std::to_string(getpid()) + ".wav"))
      .string();
}

TEST(WavWriterTest, WritesAStereoHeaderAndInterleavedSamples) {
  const std::string path = tempPath("wav-stereo");
  std::filesystem::remove(path);
  {
    auto writer = WavWriter::create(path, 16000, 2);
    ASSERT_TRUE(writer);
    const std::vector<std::int16_t> frames{1, -1, 2, -2, 300, -300};
    EXPECT_TRUE((*writer)->write(frames));
    EXPECT_EQ((*writer)->frames(), 3u);
  }  // the destructor closes and patches
  const auto wav = test::WavFile::read(path);
  ASSERT_TRUE(wav.valid);
  EXPECT_EQ(wav.format, 1);
  EXPECT_EQ(wav.channels, 2);
  EXPECT_EQ(wav.rate, 16000u);
  EXPECT_EQ(wav.bits, 16);
  EXPECT_EQ(wav.dataSize, 12u);
  EXPECT_EQ(wav.riffSize, 36u + 12u);
  EXPECT_EQ(wav.samples[0], (std::vector<std::int16_t>{1, 2, 300}));
  EXPECT_EQ(wav.samples[1], (std::vector<std::int16_t>{-1, -2, -300}));
  std::filesystem::remove(path);
}

TEST(WavWriterTest, PatchedSizesMakeAnOpenFilePlayable) {
  const std::string path = tempPath("wav-patch");
  std::filesystem::remove(path);
  auto writer = WavWriter::create(path, 8000, 1);
  ASSERT_TRUE(writer);
  const std::vector<std::int16_t> samples(800, 7);
  ASSERT_TRUE((*writer)->write(samples));
  (*writer)->patchSizes();  // still open, as after a crash
  const auto wav = test::WavFile::read(path);
  ASSERT_TRUE(wav.valid);
  EXPECT_EQ(wav.dataSize, 1600u);
  EXPECT_EQ(wav.samples[0].size(), 800u);
  ASSERT_TRUE((*writer)->write(samples));  // and writing goes on at the end
  (*writer)->close();
  EXPECT_EQ(test::WavFile::read(path).samples[0].size(), 1600u);
  std::filesystem::remove(path);
}

TEST(WavWriterTest, NeverOverwritesAFile) {
  const std::string path = tempPath("wav-exists");
  std::filesystem::remove(path);
  { ASSERT_TRUE(WavWriter::create(path, 8000, 1)); }
  const auto again = WavWriter::create(path, 8000, 1);
  ASSERT_FALSE(again);
  EXPECT_FALSE(again.error().reason.empty());
  std::filesystem::remove(path);
}

TEST(WavWriterTest, RefusesAFolderItCannotWriteTo) {
  EXPECT_FALSE(WavWriter::create("/nonexistent-folder/x.wav", 8000, 1));
}

}  // namespace
}  // namespace rtcgate::media
