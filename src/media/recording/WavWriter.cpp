#include "media/recording/WavWriter.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

namespace rtcgate::media {
namespace {

void put16(std::uint8_t* out, std::uint16_t value) {
  out[0] = static_cast<std::uint8_t>(value);
  out[1] = static_cast<std::uint8_t>(value >> 8);
}

void put32(std::uint8_t* out, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<std::uint8_t>(value >> (8 * i));
}

// RIFF sizes are 32 bits: a file past 4 GiB keeps the largest size that fits.
std::uint32_t clamp32(std::uint64_t value) {
  return value > 0xffffffffu ? 0xffffffffu : static_cast<std::uint32_t>(value);
}

}  // namespace

Result<std::unique_ptr<WavWriter>, RecordingError> WavWriter::create(const std::string& path,
                                                                     std::uint32_t rate,
                                                                     std::uint16_t channels) {
  std::FILE* file = std::fopen(path.c_str(), "wbx");
  if (file == nullptr) return RecordingError{std::strerror(errno)};
  std::unique_ptr<WavWriter> writer(new WavWriter(file, rate, channels));
  if (!writer->writeHeader()) return RecordingError{"cannot write the WAV header"};
  return writer;
}

WavWriter::~WavWriter() { close(); }

bool WavWriter::writeHeader() {
  std::array<std::uint8_t, kHeaderSize> header{};
  const std::uint32_t dataSize = clamp32(dataBytes_);
  std::memcpy(&header[0], "RIFF", 4);
  put32(&header[4], clamp32(dataBytes_ + kHeaderSize - 8));
  std::memcpy(&header[8], "WAVEfmt ", 8);
  put32(&header[16], 16);  // the fmt chunk's size
  put16(&header[20], 1);   // PCM
  put16(&header[22], channels_);
  put32(&header[24], rate_);
  put32(&header[28], rate_ * channels_ * 2u);  // bytes per second
  put16(&header[32], static_cast<std::uint16_t>(channels_ * 2u));
  put16(&header[34], 16);  // bits per sample
  std::memcpy(&header[36], "data", 4);
  put32(&header[40], dataSize);
  return std::fwrite(header.data(), 1, header.size(), file_) == header.size();
}

bool WavWriter::write(std::span<const std::int16_t> samples) {
  if (file_ == nullptr) return false;
  // Little-endian in chunks, so a big-endian host writes the same file.
  std::array<std::uint8_t, 4096> bytes;
  std::size_t done = 0;
  while (done < samples.size()) {
    const std::size_t count = std::min(samples.size() - done, bytes.size() / 2);
    for (std::size_t i = 0; i < count; ++i) {
      put16(&bytes[2 * i], static_cast<std::uint16_t>(samples[done + i]));
    }
    if (std::fwrite(bytes.data(), 1, 2 * count, file_) != 2 * count) return false;
    dataBytes_ += 2 * count;
    done += count;
  }
  return true;
}

void WavWriter::patchSizes() {
  if (file_ == nullptr) return;
  std::fflush(file_);
  const long end = std::ftell(file_);
  if (std::fseek(file_, 0, SEEK_SET) == 0) writeHeader();
  std::fseek(file_, end, SEEK_SET);
  std::fflush(file_);
}

void WavWriter::close() {
  if (file_ == nullptr) return;
  patchSizes();
  std::fclose(file_);
  file_ = nullptr;
}

}  // namespace rtcgate::media
