#pragma once

#include <cstdint>

namespace rtcgate::media {

// The highest packet index seen from one source and a 128-packet replay window behind it
// (RFC 3711 §3.3.2; 128 is libsrtp's default and twice the RFC's minimum). Indices are SRTP's
// 48-bit ROC||SEQ or SRTCP's 31-bit index. check() before authentication, accept() after it, so a
// forged packet never moves the window.
class SrtpReplayWindow {
 public:
  static constexpr std::uint64_t kSize = 128;

  bool seen() const { return seen_; }
  std::uint64_t highest() const { return highest_; }

  // True when `index` is new: above the highest, or inside the window and not received yet.
  bool check(std::uint64_t index) const;
  void accept(std::uint64_t index);
  // RFC 3711 §3.3.1 (and libsrtp's reading of it): the 48-bit index a received sequence number
  // most likely has, given the highest index so far. The ROC stays 0 until that passes 2^15.
  std::uint64_t estimate(std::uint16_t sequence) const;

 private:
  std::uint64_t highest_ = 0;
  std::uint64_t bits_[2] = {};  // bit i set: index highest_ - i was received
  bool seen_ = false;
};

}  // namespace rtcgate::media
