#include "media/playback/WavReader.hpp"

#include <cstdio>
#include <memory>

namespace rtcgate::media {
namespace {

constexpr std::uint16_t kFormatPcm = 1;
constexpr std::uint16_t kFormatExtensible = 0xfffe;

std::uint16_t le16(const std::uint8_t* at) {
  return static_cast<std::uint16_t>(at[0] | (at[1] << 8));
}

std::uint32_t le32(const std::uint8_t* at) {
  return static_cast<std::uint32_t>(le16(at)) | (static_cast<std::uint32_t>(le16(at + 2)) << 16);
}

bool tagIs(const std::uint8_t* at, const char (&tag)[5]) {
  return at[0] == tag[0] && at[1] == tag[1] && at[2] == tag[2] && at[3] == tag[3];
}

struct Format {
  std::uint16_t channels = 0;
  std::uint32_t rate = 0;
  bool found = false;
};

Result<Format> parseFormat(const std::uint8_t* body, std::uint32_t size) {
  if (size < 16) return Error{"fmt chunk too short"};
  std::uint16_t tag = le16(body);
  // WAVE_FORMAT_EXTENSIBLE: the real format is the subformat GUID's first two bytes.
  if (tag == kFormatExtensible && size >= 26) tag = le16(body + 24);
  if (tag != kFormatPcm) return Error{"unsupported: not PCM"};
  Format format;
  format.channels = le16(body + 2);
  format.rate = le32(body + 4);
  const std::uint16_t bits = le16(body + 14);
  if (bits != 16) return Error{"unsupported: not 16-bit samples"};
  if (format.channels != 1 && format.channels != 2) return Error{"unsupported: not mono or stereo"};
  if (format.rate != 8000 && format.rate != 16000 && format.rate != 48000) {
    return Error{"unsupported: sample rate not 8000, 16000 or 48000 Hz"};
  }
  format.found = true;
  return format;
}

std::vector<std::int16_t> monoSamples(const std::uint8_t* data, std::size_t bytes,
                                      std::uint16_t channels) {
  const std::size_t frames = bytes / (2u * channels);
  std::vector<std::int16_t> samples(frames);
  for (std::size_t i = 0; i < frames; ++i) {
    const std::uint8_t* frame = data + i * 2u * channels;
    int sum = 0;
    for (std::uint16_t c = 0; c < channels; ++c)
      sum += static_cast<std::int16_t>(le16(frame + 2 * c));
    samples[i] = static_cast<std::int16_t>(sum / channels);
  }
  return samples;
}

}  // namespace

Result<WavAudio> parseWav(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < 12 || !tagIs(bytes.data(), "RIFF") || !tagIs(bytes.data() + 8, "WAVE")) {
    return Error{"not a RIFF/WAVE file"};
  }
  Format format;
  std::size_t at = 12;
  while (at + 8 <= bytes.size()) {
    const std::uint8_t* chunk = bytes.data() + at;
    const std::uint32_t size = le32(chunk + 4);
    const std::size_t available = bytes.size() - at - 8;
    if (tagIs(chunk, "fmt ")) {
      if (size > available) return Error{"fmt chunk beyond the end of the file"};
      auto parsed = parseFormat(chunk + 8, size);
      if (!parsed) return Error{parsed.error()};
      format = *parsed;
    } else if (tagIs(chunk, "data")) {
      if (!format.found) return Error{"data chunk before the fmt chunk"};
      const std::size_t length = size < available ? size : available;
      WavAudio audio;
      audio.rate = format.rate;
      audio.samples = monoSamples(chunk + 8, length, format.channels);
      if (audio.samples.empty()) return Error{"no audio in the data chunk"};
      return audio;
    }
    at += 8 + static_cast<std::size_t>(size) + (size & 1u);  // chunks are padded to even sizes
  }
  return Error{format.found ? "no data chunk" : "no fmt chunk"};
}

Result<WavAudio> readWav(const std::string& path) {
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                             &std::fclose);
  if (!file) return Error{"cannot open"};
  std::vector<std::uint8_t> bytes;
  std::uint8_t block[65536];
  while (const std::size_t n = std::fread(block, 1, sizeof block, file.get())) {
    if (bytes.size() + n > kMaxWavBytes) return Error{"file too large"};
    bytes.insert(bytes.end(), block, block + n);
  }
  if (std::ferror(file.get())) return Error{"cannot read"};
  return parseWav(bytes);
}

}  // namespace rtcgate::media
