#include "media/codec/Resampler.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

namespace rtcgate::media {
namespace {

// Taps per polyphase branch: the transition band is about 5.5 / (this * factor) of the higher
// rate, so 48 puts it at ~900 Hz for 16 -> 8 kHz, the Blackman window keeping the stopband
// ~75 dB down.
constexpr std::size_t kTapsPerPhase = 48;
constexpr double kCutoffOfLowerRate = 0.45;

double sinc(double x) {
  return x == 0 ? 1.0 : std::sin(std::numbers::pi * x) / (std::numbers::pi * x);
}

}  // namespace

Resampler::Resampler(std::uint32_t inRate, std::uint32_t outRate)
    : inRate_(inRate), outRate_(outRate) {
  if (inRate == 0 || outRate == 0 || (inRate % outRate != 0 && outRate % inRate != 0)) {
    throw std::invalid_argument("resampler: rates must be integer multiples");
  }
  up_ = outRate >= inRate ? outRate / inRate : 1;
  down_ = inRate > outRate ? inRate / outRate : 1;
  const unsigned factor = std::max(up_, down_);
  // Going down every output needs factor * kTapsPerPhase inputs; going up each phase sees
  // kTapsPerPhase of them.
  tapsPerPhase_ = up_ > 1 ? kTapsPerPhase : kTapsPerPhase * factor;
  const std::size_t length = tapsPerPhase_ * up_;
  // Cutoff in cycles per sample of the upsampled rate (inRate * up_).
  const double cutoff = kCutoffOfLowerRate / factor;
  const double centre = (static_cast<double>(length) - 1) / 2;
  coefficients_.assign(length, 0.0f);
  for (std::size_t n = 0; n < length; ++n) {
    const double t = static_cast<double>(n) - centre;
    const double window = 0.42 - 0.5 * std::cos(2 * std::numbers::pi * n / (length - 1)) +
                          0.08 * std::cos(4 * std::numbers::pi * n / (length - 1));
    // The gain of `up_` makes up for the zeros an upsampler inserts.
    const double h = 2 * cutoff * sinc(2 * cutoff * t) * window * up_;
    // Tap n of the long filter belongs to phase n % up_, position n / up_ in that branch.
    coefficients_[(n % up_) * tapsPerPhase_ + n / up_] = static_cast<float>(h);
  }
  history_.assign(2 * tapsPerPhase_, 0.0f);
}

void Resampler::reset() {
  std::fill(history_.begin(), history_.end(), 0.0f);
  position_ = 0;
  phaseCounter_ = 0;
}

std::size_t Resampler::process(std::span<const std::int16_t> in, std::span<std::int16_t> out) {
  if (up_ == 1 && down_ == 1) {
    const std::size_t n = std::min(in.size(), out.size());
    std::copy_n(in.begin(), n, out.begin());
    return n;
  }
  std::size_t written = 0;
  for (const std::int16_t sample : in) {
    // Newest first: step the window start back and write the sample at both copies.
    position_ = position_ == 0 ? tapsPerPhase_ - 1 : position_ - 1;
    history_[position_] = sample;
    history_[position_ + tapsPerPhase_] = sample;
    const float* window = history_.data() + position_;
    for (unsigned phase = 0; phase < up_; ++phase) {
      const bool emit = phaseCounter_ == 0;
      phaseCounter_ = phaseCounter_ + 1 == down_ ? 0 : phaseCounter_ + 1;
      if (!emit) continue;
      if (written == out.size()) return written;
      const float* taps = coefficients_.data() + phase * tapsPerPhase_;
      float sum = 0;
      for (std::size_t k = 0; k < tapsPerPhase_; ++k) sum += taps[k] * window[k];
      out[written++] = static_cast<std::int16_t>(std::clamp(std::lround(sum), -32768L, 32767L));
    }
  }
  return written;
}

}  // namespace rtcgate::media
