#include "media/webrtc/SrtpReplayWindow.hpp"

namespace rtcgate::media {

bool SrtpReplayWindow::check(std::uint64_t index) const {
  if (!seen_ || index > highest_) return true;
  const std::uint64_t behind = highest_ - index;
  if (behind >= kSize) return false;  // too old to tell: refused
  return (bits_[behind / 64] & (std::uint64_t{1} << (behind % 64))) == 0;
}

void SrtpReplayWindow::accept(std::uint64_t index) {
  if (!seen_) {
    seen_ = true;
    highest_ = index;
    bits_[0] = 1;
    bits_[1] = 0;
    return;
  }
  if (index > highest_) {
    const std::uint64_t shift = index - highest_;
    if (shift >= kSize) {
      bits_[0] = 0;
      bits_[1] = 0;
    } else if (shift >= 64) {
      bits_[1] = bits_[0] << (shift - 64);
      bits_[0] = 0;
    } else {
      bits_[1] = (bits_[1] << shift) | (bits_[0] >> (64 - shift));
      bits_[0] <<= shift;
    }
    bits_[0] |= 1;
    highest_ = index;
    return;
  }
  const std::uint64_t behind = highest_ - index;
  if (behind < kSize) bits_[behind / 64] |= std::uint64_t{1} << (behind % 64);
}

std::uint64_t SrtpReplayWindow::estimate(std::uint16_t sequence) const {
  constexpr std::int64_t kHalf = 1 << 15;
  if (!seen_ || highest_ <= static_cast<std::uint64_t>(kHalf)) return sequence;
  const std::uint64_t roc = highest_ >> 16;
  const auto last = static_cast<std::int64_t>(highest_ & 0xffff);
  const auto seq = static_cast<std::int64_t>(sequence);
  std::uint64_t guess = roc;
  if (last < kHalf) {
    if (seq - last > kHalf) guess = roc - 1;  // late, from before the last wrap (roc >= 1 here)
  } else if (last - kHalf > seq) {
    guess = roc + 1;  // the sequence number wrapped
  }
  return (guess << 16) | sequence;
}

}  // namespace rtcgate::media
