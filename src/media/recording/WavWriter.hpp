#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>

#include "base/Result.hpp"
#include "media/recording/RecordingError.hpp"

namespace rtcgate::media {

// A 16-bit PCM WAV file being written: the RIFF header first, with sizes patched to what has been
// written on patchSizes() and on close(), so that a file cut short by a crash still plays up to
// its last patch. Little-endian on disk whatever the host.
class WavWriter {
 public:
  static constexpr std::size_t kHeaderSize = 44;

  // Creates `path`, which must not exist yet (a recording never overwrites a file).
  static Result<std::unique_ptr<WavWriter>, RecordingError> create(const std::string& path,
                                                                   std::uint32_t rate,
                                                                   std::uint16_t channels);
  ~WavWriter();
  WavWriter(const WavWriter&) = delete;
  WavWriter& operator=(const WavWriter&) = delete;

  // Interleaved frames (one sample per channel each); false when the disk refused them.
  bool write(std::span<const std::int16_t> samples);
  void patchSizes();
  void close();

  std::uint64_t frames() const { return dataBytes_ / (2u * channels_); }
  std::uint16_t channels() const { return channels_; }
  std::uint32_t rate() const { return rate_; }

 private:
  WavWriter(std::FILE* file, std::uint32_t rate, std::uint16_t channels)
      : file_(file), rate_(rate), channels_(channels) {}
  bool writeHeader();

  std::FILE* file_;
  std::uint32_t rate_;
  std::uint16_t channels_;
  std::uint64_t dataBytes_ = 0;
};

}  // namespace rtcgate::media
