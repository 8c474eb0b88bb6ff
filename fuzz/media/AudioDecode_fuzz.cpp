// libFuzzer target: arbitrary RTP payloads must never crash a decoder or the transcoder, nor make
// them write past the caller's buffers or return more than they were given room for.
//
// Input: the first byte picks the codec (low two bits: PCMU, PCMA, G722, opus) and, for Opus, the
// PCM rate (next two bits: 8, 16, 48 kHz); the rest is cut into packets, each a header of
// [length, payload-type choice, sequence step, timestamp step (2 bytes)] and `length` payload
// bytes. Every payload goes to the decoder (and its concealment), and all of them, in order, to a
// transcoder from that codec to PCMU (Opus to 30 ms PCMU, others to 20 ms Opus).
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "media/codec/AudioCodecFactory.hpp"
#include "media/codec/Transcoder.hpp"

namespace {

using rtcgate::media::AudioCodec;
using rtcgate::media::RtpFrame;
using rtcgate::media::Transcoder;

constexpr const char* kNames[] = {"PCMU", "PCMA", "G722", "opus"};
constexpr std::uint32_t kOpusRates[] = {8000, 16000, 48000, 48000};

Transcoder::Options optionsFor(unsigned codec, std::uint32_t clockRate) {
  Transcoder::Options options;
  options.in = {kNames[codec], clockRate, "useinbandfec=1", 96, std::uint8_t{101}};
  if (codec == 3) {
    options.out = {"PCMU", 8000, "", 0, std::uint8_t{100}};
    options.outPtimeMs = 30;
  } else {
    options.out = {"opus", 48000, "", 111, std::uint8_t{100}};
  }
  return options;
}

void checkDecode(AudioCodec& codec, std::span<const std::uint8_t> payload) {
  static std::array<std::int16_t, 5760 + 64> pcm;
  const std::span<std::int16_t> room(pcm.data(), 5760);
  pcm[5760] = 0x5a5a;
  const std::size_t samples = codec.decode(payload, room);
  if (samples > room.size() || pcm[5760] != 0x5a5a) __builtin_trap();
  if (samples == 0) {
    const std::size_t concealed = codec.conceal(room.first(codec.pcmRate() / 50));
    if (concealed > codec.pcmRate() / 50) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const unsigned codecIndex = data[0] & 3;
  const std::uint32_t clockRate = codecIndex == 3 ? 48000 : 8000;
  const std::uint32_t pcmRate = codecIndex == 3 ? kOpusRates[(data[0] >> 2) & 3] : 8000;
  auto codec = rtcgate::media::makeAudioCodec(kNames[codecIndex], clockRate, pcmRate);
  Transcoder transcoder(optionsFor(codecIndex, clockRate));
  std::vector<std::uint8_t> storage(8 * Transcoder::kMaxPayload);
  std::array<RtpFrame, 8> frames{};

  std::uint16_t sequence = 1;
  std::uint32_t timestamp = 0;
  std::span<const std::uint8_t> rest(data + 1, size - 1);
  while (rest.size() >= 5) {
    const std::size_t length = std::min<std::size_t>(rest[0], rest.size() - 5);
    const std::uint8_t payloadType = (rest[1] & 1) ? 101 : 96;
    sequence = static_cast<std::uint16_t>(sequence + static_cast<std::int8_t>(rest[2]));
    timestamp += static_cast<std::uint32_t>(rest[3] << 8 | rest[4]) * (clockRate / 8000);
    const auto payload = rest.subspan(5, length);
    rest = rest.subspan(5 + length);
    checkDecode(*codec, payload);
    const std::size_t n = transcoder.process(
        {payloadType, (rest.size() & 1) != 0, sequence, timestamp, 1, payload}, storage, frames);
    if (n > frames.size()) __builtin_trap();
    for (std::size_t i = 0; i < n; ++i) {
      const auto& payloadOut = frames[i].payload;
      if (payloadOut.data() < storage.data() ||
          payloadOut.data() + payloadOut.size() > storage.data() + storage.size()) {
        __builtin_trap();
      }
    }
  }
  return 0;
}
