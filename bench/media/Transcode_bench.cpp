// Micro benchmarks of transcoding (media/codec): the work one 20 ms frame costs in each direction
// between a browser's Opus and a SIP phone's PCMU, the jitter buffer, decode, resample where
// needed, encode and repacketise included. A frame every 20 ms per call and direction, so the
// time per frame times 50 is the share of a core one direction of one call takes.
#include <benchmark/benchmark.h>

#include <array>
#include <cmath>
#include <numbers>
#include <vector>

#include "media/codec/OpusCodec.hpp"
#include "media/codec/PcmuCodec.hpp"
#include "media/codec/Transcoder.hpp"

namespace rtcgate::media {
namespace {

// 50 frames (one second) of speech-like audio encoded by `codec`: a few harmonics of a slowly
// gliding pitch, so the encoders do real work.
std::vector<std::vector<std::uint8_t>> encodedSecond(AudioCodec& codec) {
  const std::size_t frame = codec.pcmRate() / 50;
  std::vector<std::int16_t> pcm(frame);
  std::vector<std::vector<std::uint8_t>> payloads;
  double phase = 0;
  for (int i = 0; i < 50; ++i) {
    for (std::size_t n = 0; n < frame; ++n) {
      const double pitch =
          120 + 40 * std::sin(2 * std::numbers::pi * (i * frame + n) / codec.pcmRate());
      phase += 2 * std::numbers::pi * pitch / codec.pcmRate();
      pcm[n] = static_cast<std::int16_t>(4000 * std::sin(phase) + 2000 * std::sin(3 * phase) +
                                         1000 * std::sin(7 * phase));
    }
    std::vector<std::uint8_t> payload(1500);
    payload.resize(codec.encode(pcm, payload));
    payloads.push_back(std::move(payload));
  }
  return payloads;
}

void runTranscoder(benchmark::State& state, const Transcoder::Options& options,
                   AudioCodec& source) {
  const auto payloads = encodedSecond(source);
  Transcoder transcoder(options);
  std::vector<std::uint8_t> storage(4 * Transcoder::kMaxPayload);
  std::array<RtpFrame, 4> frames{};
  std::uint16_t sequence = 0;
  std::uint32_t timestamp = 0;
  const std::uint32_t step = source.ticksFor(source.pcmRate() / 50);
  for (auto _ : state) {
    const auto& payload = payloads[sequence % payloads.size()];
    const RtpFrame in{options.in.payloadType, false, sequence++, timestamp, 1, payload};
    timestamp += step;
    benchmark::DoNotOptimize(transcoder.process(in, storage, frames));
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_OpusToPcmu(benchmark::State& state) {
  OpusCodec source({.pcmRate = 48000});
  runTranscoder(state,
                {.in = {"opus", 48000, "", 111, std::uint8_t{101}},
                 .out = {"PCMU", 8000, "", 0, std::uint8_t{101}}},
                source);
}
BENCHMARK(BM_OpusToPcmu);

void BM_PcmuToOpus(benchmark::State& state) {
  PcmuCodec source;
  runTranscoder(state,
                {.in = {"PCMU", 8000, "", 0, std::uint8_t{101}},
                 .out = {"opus", 48000, "", 111, std::uint8_t{101}}},
                source);
}
BENCHMARK(BM_PcmuToOpus);

}  // namespace
}  // namespace rtcgate::media
