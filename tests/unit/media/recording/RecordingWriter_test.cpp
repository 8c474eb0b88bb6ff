// The writer thread: a recording handed over by start(), packets through a RecordingTap, and
// stop() closing the file on the thread, as the relay engine drives it.
#include "media/recording/RecordingWriter.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "media/recording/RecordingTap.hpp"
#include "unit/media/recording/WavFile.hpp"

namespace rtcgate::media {
namespace {

TEST(RecordingWriterTest, StartPacketsAndStopMakeAClosedFile) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("recording-writer-" + std::to_string(getpid()) + ".wav"))
                               .string();
  std::filesystem::remove(path);
  CallRecording::Spec spec;
  spec.path = path;
  spec.formats[0] = {{0, "PCMU", 8000}};
  spec.formats[1] = {{0, "PCMU", 8000}};
  spec.startMicros = 1'000'000;
  auto recording = CallRecording::open(spec);
  ASSERT_TRUE(recording);
  CallRecording* handle = recording->get();
  RecordingWriter writer(64);
  ASSERT_TRUE(writer.start(*recording, spec.startMicros));
  EXPECT_EQ(*recording, nullptr);  // the thread owns it now
  SharedCounter dropped;
  RecordingTap tap(writer.queue(), *handle, 0, dropped);
  std::vector<std::uint8_t> packet(12 + 160, 0x00);  // PCMU 0x00: loud
  packet[0] = 0x80;
  for (int i = 0; i < 25; ++i) {
    packet[6] = static_cast<std::uint8_t>((160 * i) >> 8);
    packet[7] = static_cast<std::uint8_t>(160 * i);
    tap.onRtp(packet.data(), packet.size(), spec.startMicros + 20000 * i);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // room in a 64-slot queue
  }
  ASSERT_TRUE(writer.stop(handle, spec.startMicros + 500000, tap.dropped()));
  for (int i = 0; i < 200 && writer.open() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(writer.open(), 0u);
  EXPECT_TRUE(std::filesystem::exists(path + ".json"));
  const auto wav = test::WavFile::read(path);
  ASSERT_TRUE(wav.valid);
  EXPECT_EQ(wav.channels, 2);
  EXPECT_EQ(wav.samples[0].size(), 8000u);  // 0.5 s at 16 kHz
  EXPECT_GT(std::abs(wav.samples[0][4000]), 1000);
  EXPECT_EQ(wav.samples[1][4000], 0);  // the other party sent nothing
  std::filesystem::remove(path);
  std::filesystem::remove(path + ".json");
}

}  // namespace
}  // namespace rtcgate::media
