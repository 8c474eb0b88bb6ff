#include "media/packet/DtmfPlayer.hpp"

#include "media/packet/TelephoneEvent.hpp"

namespace rtcgate::media {
namespace {

constexpr std::size_t kHeaderSize = 12;
constexpr std::uint32_t kMaxDuration = 0xffff;
// A step bigger than this (timestamp units) is a jump (DTX silence, a new talk spurt), not the
// party's packet interval: 200 ms at 48 kHz.
constexpr std::uint32_t kMaxStep = 9600;

}  // namespace

bool DtmfPlayer::enqueue(const Digit& digit) {
  if (count_ == kMaxDigits) return false;
  Digit& slot = queue_[(head_ + count_) % kMaxDigits];
  slot = digit;
  if (slot.duration > kMaxDuration) slot.duration = kMaxDuration;
  if (slot.duration == 0) slot.duration = 1;
  ++count_;
  return true;
}

void DtmfPlayer::clear() {
  count_ = 0;
  phase_ = Phase::Start;
}

std::uint32_t DtmfPlayer::stepFrom(const RtpHeader& header, std::uint32_t frame) const {
  const std::uint32_t step = header.timestamp - lastTimestamp_;
  if (!haveLast_ || step == 0 || step > kMaxStep) return frame;
  return step;
}

void DtmfPlayer::next() {
  head_ = (head_ + 1) % kMaxDigits;
  --count_;
  phase_ = Phase::Start;
}

std::size_t DtmfPlayer::onAudio(std::uint8_t* data, std::size_t capacity, const RtpHeader& header) {
  if (count_ == 0) return 0;
  const std::uint32_t step = stepFrom(header, queue_[head_].frame);
  haveLast_ = true;
  lastTimestamp_ = header.timestamp;
  const Digit& digit = queue_[head_];
  switch (phase_) {
    case Phase::Pause:
      // The pause counts from the first audio packet after the end packets.
      if (header.timestamp - pauseFrom_ < digit.pause) return 0;
      next();
      if (count_ == 0) return 0;
      [[fallthrough]];
    case Phase::Start:
      start_ = header.timestamp;
      elapsed_ = step;
      phase_ = elapsed_ >= queue_[head_].duration ? Phase::Ending : Phase::Playing;
      endsLeft_ = kEndPackets;
      if (phase_ == Phase::Playing) return writeEvent(data, capacity, true, false);
      --endsLeft_;
      return writeEvent(data, capacity, true, true);
    case Phase::Playing: {
      const std::uint32_t elapsed = header.timestamp - start_ + step;
      elapsed_ = elapsed > digit.duration ? digit.duration : elapsed;
      if (elapsed_ < digit.duration) return writeEvent(data, capacity, false, false);
      phase_ = Phase::Ending;
      --endsLeft_;
      return writeEvent(data, capacity, false, true);
    }
    case Phase::Ending:
      if (endsLeft_ == 0) {
        // All end packets sent: this packet is audio again, and the pause starts with it.
        phase_ = Phase::Pause;
        pauseFrom_ = header.timestamp;
        if (digit.pause == 0) next();
        return 0;
      }
      --endsLeft_;
      return writeEvent(data, capacity, false, true);
  }
  return 0;
}

std::size_t DtmfPlayer::writeEvent(std::uint8_t* data, std::size_t capacity, bool marker,
                                   bool end) const {
  if (capacity < kHeaderSize + TelephoneEvent::kSize) return 0;
  const Digit& digit = queue_[head_];
  // Version 2, no padding, extension or CSRCs: the audio's were about the audio. Sequence number
  // (bytes 2-3) and SSRC (8-11) stay the party's.
  data[0] = 0x80;
  data[1] = static_cast<std::uint8_t>((marker ? 0x80 : 0) | (digit.payloadType & 0x7f));
  data[4] = static_cast<std::uint8_t>(start_ >> 24);
  data[5] = static_cast<std::uint8_t>(start_ >> 16);
  data[6] = static_cast<std::uint8_t>(start_ >> 8);
  data[7] = static_cast<std::uint8_t>(start_);
  TelephoneEvent{digit.event, end, digit.volume, static_cast<std::uint16_t>(elapsed_)}.write(
      data + kHeaderSize);
  return kHeaderSize + TelephoneEvent::kSize;
}

}  // namespace rtcgate::media
