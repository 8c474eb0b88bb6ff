#pragma once

// Reads back a 16-bit PCM WAV file the recorder wrote, for the recording tests: the header's
// fields as written and the samples split per channel.
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace rtcgate::media::test {

struct WavFile {
  bool valid = false;
  std::uint32_t riffSize = 0;
  std::uint16_t format = 0;
  std::uint16_t channels = 0;
  std::uint32_t rate = 0;
  std::uint16_t bits = 0;
  std::uint32_t dataSize = 0;
  std::vector<std::vector<std::int16_t>> samples;  // [channel][frame]

  double seconds() const { return samples.empty() ? 0 : double(samples[0].size()) / rate; }

  static WavFile read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(in), {}};
    WavFile wav;
    if (bytes.size() < 44 || std::string(bytes.begin(), bytes.begin() + 4) != "RIFF") return wav;
    auto u16 = [&](std::size_t at) { return std::uint16_t(bytes[at] | (bytes[at + 1] << 8)); };
    auto u32 = [&](std::size_t at) {
      return std::uint32_t(u16(at) | (std::uint32_t(u16(at + 2)) << 16));
    };
    wav.riffSize = u32(4);
    wav.format = u16(20);
    wav.channels = u16(22);
    wav.rate = u32(24);
    wav.bits = u16(34);
    wav.dataSize = u32(40);
    if (wav.channels == 0) return wav;
    wav.samples.resize(wav.channels);
    const std::size_t frames =
        std::min<std::size_t>(wav.dataSize, bytes.size() - 44) / (2u * wav.channels);
    for (std::size_t f = 0; f < frames; ++f) {
      for (std::uint16_t c = 0; c < wav.channels; ++c) {
        wav.samples[c].push_back(static_cast<std::int16_t>(u16(44 + 2 * (f * wav.channels + c))));
      }
    }
    wav.valid = true;
    return wav;
  }
};

}  // namespace rtcgate::media::test
