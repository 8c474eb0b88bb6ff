#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace rtcgate::media {

// Converts mono int16 PCM between 8, 16 and 48 kHz (any integer ratio between two rates: up by L
// or down by M). A polyphase FIR: a Blackman-windowed sinc designed at the higher rate with its
// cutoff at 45 % of the lower rate, so that going down nothing above the new Nyquist folds back
// (a 6 kHz tone at 16 kHz would otherwise alias to 2 kHz at 8 kHz) and going up the spectral
// images are removed. The filter history is kept across frames, so a stream fed frame by frame
// comes out as if resampled whole; process() allocates nothing.
class Resampler {
 public:
  // Throws std::invalid_argument unless one rate is an integer multiple of the other.
  Resampler(std::uint32_t inRate, std::uint32_t outRate);

  std::uint32_t inRate() const { return inRate_; }
  std::uint32_t outRate() const { return outRate_; }
  // Output samples `inSamples` input samples produce at most (exact when inSamples is a multiple
  // of the down factor).
  std::size_t maxOutput(std::size_t inSamples) const {
    return (inSamples * up_ + down_ - 1) / down_;
  }
  // Resamples `in` into `out`; returns the samples written. Stops early if `out` is too small.
  std::size_t process(std::span<const std::int16_t> in, std::span<std::int16_t> out);
  // Forgets the history (a new stream).
  void reset();

 private:
  std::uint32_t inRate_;
  std::uint32_t outRate_;
  unsigned up_;
  unsigned down_;
  std::size_t tapsPerPhase_;
  // coefficients_[phase * tapsPerPhase_ + k] multiplies the k-th newest input sample.
  std::vector<float> coefficients_;
  // The last tapsPerPhase_ input samples, stored twice so that the window ending at any position
  // is contiguous (history_[position .. position + tapsPerPhase_), newest first).
  std::vector<float> history_;
  std::size_t position_ = 0;
  unsigned phaseCounter_ = 0;  // upsampled positions since the last output, modulo down_
};

}  // namespace rtcgate::media
