#include "media/packet/MediaPlayer.hpp"

#include <cstring>

namespace rtcgate::media {
namespace {

constexpr std::size_t kHeaderSize = 12;

void put16(std::uint8_t* at, std::uint16_t value) {
  at[0] = static_cast<std::uint8_t>(value >> 8);
  at[1] = static_cast<std::uint8_t>(value);
}

void put32(std::uint8_t* at, std::uint32_t value) {
  put16(at, static_cast<std::uint16_t>(value >> 16));
  put16(at + 2, static_cast<std::uint16_t>(value));
}

}  // namespace

void MediaPlayer::start(std::shared_ptr<const EncodedAudio> audio, unsigned repeat,
                        const Continuation& from) {
  audio_ = audio && audio->frames() != 0 ? std::move(audio) : nullptr;
  repeatsLeft_ = repeat == 0 ? 1 : repeat;
  frame_ = 0;
  sent_ = 0;
  next_ = from;
}

void MediaPlayer::stop() { audio_.reset(); }

std::size_t MediaPlayer::writeNext(std::uint8_t* data, std::size_t capacity) {
  if (!audio_) return 0;
  if (frame_ == audio_->frames()) {
    frame_ = 0;
    if (--repeatsLeft_ == 0) {
      stop();
      return 0;
    }
  }
  const auto payload = audio_->frame(frame_);
  if (capacity < kHeaderSize + payload.size()) return 0;
  data[0] = 0x80;  // version 2, no padding, extension or CSRCs
  data[1] = static_cast<std::uint8_t>((sent_ == 0 ? 0x80 : 0) | (audio_->payloadType & 0x7f));
  put16(data + 2, next_.nextSequence);
  put32(data + 4, next_.nextTimestamp);
  put32(data + 8, next_.ssrc);
  std::memcpy(data + kHeaderSize, payload.data(), payload.size());
  ++next_.nextSequence;
  next_.nextTimestamp += audio_->frameTicks;
  ++frame_;
  ++sent_;
  return kHeaderSize + payload.size();
}

}  // namespace rtcgate::media
