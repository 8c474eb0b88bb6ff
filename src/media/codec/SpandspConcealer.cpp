#include "media/codec/SpandspConcealer.hpp"

#include <algorithm>
#include <limits>

// spandsp's headers expect telephony.h (its types and SPAN_DECLARE) to come first.
#include <spandsp/telephony.h>
// clang-format off
#include <spandsp/plc.h>
// clang-format on

namespace rtcgate::media {

struct SpandspConcealer::State {
  plc_state_t plc;
};

namespace {

// spandsp counts in int; the frames handed to it are a few hundred samples, chunks bound it anyway.
constexpr std::size_t kChunk = 4096;

}  // namespace

SpandspConcealer::SpandspConcealer() : state_(std::make_unique<State>()) { plc_init(&state_->plc); }

SpandspConcealer::~SpandspConcealer() = default;

void SpandspConcealer::received(std::span<std::int16_t> pcm) {
  for (std::size_t at = 0; at < pcm.size(); at += kChunk) {
    const std::size_t n = std::min(kChunk, pcm.size() - at);
    plc_rx(&state_->plc, pcm.data() + at, static_cast<int>(n));
  }
}

std::size_t SpandspConcealer::fill(std::span<std::int16_t> pcm) {
  plc_state_t& plc = state_->plc;
  if (plc.missing_samples == 0 && plc.buf_ptr > 0 && plc.buf_ptr < PLC_HISTORY_LEN) {
    // At the start of a loss spandsp 0.0.6 unrolls its history ring with an overlapping memcpy
    // (undefined behaviour, found by the AudioDecode fuzzer); unrolled here first, it skips that.
    std::rotate(plc.history, plc.history + plc.buf_ptr, plc.history + PLC_HISTORY_LEN);
    plc.buf_ptr = 0;
  }
  for (std::size_t at = 0; at < pcm.size(); at += kChunk) {
    const std::size_t n = std::min(kChunk, pcm.size() - at);
    plc_fillin(&state_->plc, pcm.data() + at, static_cast<int>(n));
  }
  return pcm.size();
}

}  // namespace rtcgate::media
