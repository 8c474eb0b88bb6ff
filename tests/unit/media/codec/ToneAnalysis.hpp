#pragma once

// Measurements on PCM for the codec tests: a tone generator, Goertzel power at a frequency, the
// dominant frequency, and the SNR of a tone (least-squares fit of the tone, the rest is noise), so
// a test can say "1000 Hz in, 1000 Hz out within 2 %, 30 dB above the noise".
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <span>
#include <vector>

namespace rtcgate::media::tone {

// A sine at `frequency`, continuous across calls (so frames can be generated one at a time).
class ToneGenerator {
 public:
  ToneGenerator(double frequency, std::uint32_t rate, double amplitude)
      : step_(2 * std::numbers::pi * frequency / rate), amplitude_(amplitude) {}

  void fill(std::span<std::int16_t> out) {
    for (auto& sample : out) {
      sample = static_cast<std::int16_t>(std::lround(amplitude_ * std::sin(phase_)));
      phase_ = std::fmod(phase_ + step_, 2 * std::numbers::pi);
    }
  }
  std::vector<std::int16_t> next(std::size_t samples) {
    std::vector<std::int16_t> out(samples);
    fill(out);
    return out;
  }

 private:
  double step_;
  double amplitude_;
  double phase_ = 0;
};

inline std::vector<std::int16_t> makeTone(double frequency, std::uint32_t rate, std::size_t samples,
                                          double amplitude) {
  return ToneGenerator(frequency, rate, amplitude).next(samples);
}

// Mean square of the samples (a tone of amplitude A gives A^2/2).
inline double meanSquare(std::span<const std::int16_t> pcm) {
  if (pcm.empty()) return 0;
  double sum = 0;
  for (const auto sample : pcm) sum += static_cast<double>(sample) * sample;
  return sum / static_cast<double>(pcm.size());
}

inline double rms(std::span<const std::int16_t> pcm) { return std::sqrt(meanSquare(pcm)); }

inline int peak(std::span<const std::int16_t> pcm) {
  int largest = 0;
  for (const auto sample : pcm) largest = std::max(largest, std::abs(static_cast<int>(sample)));
  return largest;
}

// Goertzel: the power of the component at `frequency`, scaled like meanSquare (A^2/2 for a tone
// of amplitude A at exactly that frequency).
inline double goertzelPower(std::span<const std::int16_t> pcm, std::uint32_t rate,
                            double frequency) {
  if (pcm.empty()) return 0;
  const double omega = 2 * std::numbers::pi * frequency / rate;
  const double coefficient = 2 * std::cos(omega);
  double previous = 0;
  double beforePrevious = 0;
  for (const auto sample : pcm) {
    const double current = sample + coefficient * previous - beforePrevious;
    beforePrevious = previous;
    previous = current;
  }
  const double power = previous * previous + beforePrevious * beforePrevious -
                       coefficient * previous * beforePrevious;
  const double n = static_cast<double>(pcm.size());
  return 2 * power / (n * n);
}

// The frequency with the most power: a 10 Hz scan up to Nyquist, then 0.5 Hz steps around the best.
inline double dominantFrequency(std::span<const std::int16_t> pcm, std::uint32_t rate) {
  double best = 0;
  double bestPower = -1;
  auto scan = [&](double from, double to, double step) {
    for (double f = std::max(from, step); f < to; f += step) {
      const double power = goertzelPower(pcm, rate, f);
      if (power > bestPower) {
        bestPower = power;
        best = f;
      }
    }
  };
  scan(0, rate / 2.0, 10);
  const double coarse = best;
  scan(coarse - 10, coarse + 10, 0.5);
  return best;
}

// Signal-to-noise ratio in dB of a tone at `frequency`: the tone is the least-squares fit of a
// sine and cosine at that frequency (and a DC term), the noise whatever is left.
inline double toneSnrDb(std::span<const std::int16_t> pcm, std::uint32_t rate, double frequency) {
  const double omega = 2 * std::numbers::pi * frequency / rate;
  // Normal equations of the fit; the basis is nearly orthogonal over many periods, so solving
  // them as if it were is accurate enough here.
  double sinDot = 0, cosDot = 0, sinSin = 0, cosCos = 0, sum = 0;
  for (std::size_t i = 0; i < pcm.size(); ++i) {
    const double s = std::sin(omega * i), c = std::cos(omega * i);
    sinDot += s * pcm[i];
    cosDot += c * pcm[i];
    sinSin += s * s;
    cosCos += c * c;
    sum += pcm[i];
  }
  const double a = sinDot / sinSin, b = cosDot / cosCos, dc = sum / static_cast<double>(pcm.size());
  double signal = 0, noise = 0;
  for (std::size_t i = 0; i < pcm.size(); ++i) {
    const double fit = a * std::sin(omega * i) + b * std::cos(omega * i) + dc;
    signal += fit * fit;
    noise += (pcm[i] - fit) * (pcm[i] - fit);
  }
  return 10 * std::log10(signal / std::max(noise, 1e-9));
}

inline double decibels(double powerRatio) { return 10 * std::log10(std::max(powerRatio, 1e-30)); }

}  // namespace rtcgate::media::tone
