#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/Result.hpp"

namespace rtcgate::media {

// A WAV file's audio as mono 16-bit PCM: what `play media` can play. Takes 16-bit PCM (format 1,
// or WAVE_FORMAT_EXTENSIBLE with the PCM subformat), mono or stereo (the channels are averaged),
// at 8, 16 or 48 kHz (the rates the codecs' PCM and the Resampler handle). Chunks other than
// `fmt ` and `data` are skipped; a `data` size beyond the file's end (a recording cut short) is
// read up to the end.
struct WavAudio {
  std::uint32_t rate = 8000;
  std::vector<std::int16_t> samples;
};

// Errors name what is wrong ("not a RIFF/WAVE file", "unsupported: 8-bit samples").
Result<WavAudio> parseWav(std::span<const std::uint8_t> bytes);
// Reads a whole file (at most kMaxWavBytes) and parses it.
Result<WavAudio> readWav(const std::string& path);

inline constexpr std::size_t kMaxWavBytes = 64u << 20;

}  // namespace rtcgate::media
