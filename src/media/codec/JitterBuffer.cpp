#include "media/codec/JitterBuffer.hpp"

#include <algorithm>
#include <stdexcept>

namespace rtcgate::media {
namespace {

// Signed distance from b to a in sequence-number space (wraps at 65536).
int sequenceDistance(std::uint16_t a, std::uint16_t b) {
  return static_cast<std::int16_t>(static_cast<std::uint16_t>(a - b));
}

// How far behind the playout point a packet still counts as merely late rather than as a new
// stream.
constexpr int kLateWindow = 100;

}  // namespace

JitterBuffer::JitterBuffer(const Options& options)
    : options_(options),
      slots_(options.capacity),
      payloads_(options.capacity * options.maxPayload) {
  if (options.capacity == 0 || options.capacity > 1024 || options.reorderDepth == 0) {
    throw std::invalid_argument("jitter buffer: capacity 1..1024, reorder depth at least 1");
  }
}

void JitterBuffer::reset() {
  for (auto& s : slots_) s.used = false;
  count_ = 0;
  started_ = false;
  popped_ = false;
  frameTicks_ = 0;
}

void JitterBuffer::restart(std::uint16_t sequence) {
  reset();
  started_ = true;
  nextSequence_ = sequence;
  highestSequence_ = sequence;
}

JitterBuffer::PushResult JitterBuffer::push(std::uint16_t sequence, std::uint32_t timestamp,
                                            std::span<const std::uint8_t> payload,
                                            std::uint8_t payloadType, bool marker) {
  if (payload.size() > options_.maxPayload) return PushResult::tooLarge;
  if (!started_) {
    restart(sequence);
    store(sequence, timestamp, payload, payloadType, marker, true);
    return PushResult::stored;
  }
  const int ahead = sequenceDistance(sequence, nextSequence_);
  const int capacity = static_cast<int>(slots_.size());
  const bool canMoveHeadBack =
      !popped_ && ahead < 0 && sequenceDistance(highestSequence_, sequence) < capacity;
  const bool outOfWindow = ahead >= capacity || (ahead < -kLateWindow && !canMoveHeadBack);
  if (outOfWindow || timestampJumped(sequence, timestamp)) {
    restart(sequence);
    store(sequence, timestamp, payload, payloadType, marker, true);
    return PushResult::resynced;
  }
  if (canMoveHeadBack) {
    // Reordered before playout began: this one is the real start. The start flag moves with it.
    slot(nextSequence_).discontinuity = false;
    nextSequence_ = sequence;
    store(sequence, timestamp, payload, payloadType, marker, true);
    return PushResult::stored;
  }
  if (ahead < 0) return PushResult::late;
  const Slot& existing = slot(sequence);
  if (existing.used && existing.sequence == sequence) return PushResult::duplicate;
  store(sequence, timestamp, payload, payloadType, marker, false);
  return PushResult::stored;
}

bool JitterBuffer::timestampJumped(std::uint16_t sequence, std::uint32_t timestamp) const {
  const auto expected = static_cast<std::uint32_t>(
      referenceTimestamp_ +
      static_cast<std::int64_t>(sequenceDistance(sequence, referenceSequence_)) * frameTicks_);
  const auto difference = static_cast<std::int32_t>(timestamp - expected);
  return static_cast<std::uint32_t>(difference < 0 ? -static_cast<std::int64_t>(difference)
                                                   : difference) > options_.maxTimestampJump;
}

void JitterBuffer::store(std::uint16_t sequence, std::uint32_t timestamp,
                         std::span<const std::uint8_t> payload, std::uint8_t payloadType,
                         bool marker, bool discontinuity) {
  Slot& s = slot(sequence);
  s = {true, marker, discontinuity, payloadType, sequence, timestamp, payload.size()};
  std::copy(
      payload.begin(), payload.end(),
      payloads_.begin() + static_cast<long>((sequence % slots_.size()) * options_.maxPayload));
  ++count_;
  // The spacing of two consecutive packets; telephone-event packets repeat a timestamp and say
  // nothing about it.
  if (sequenceDistance(sequence, referenceSequence_) == 1 && timestamp != referenceTimestamp_ &&
      timestamp - referenceTimestamp_ <= options_.maxTimestampJump / 16) {
    frameTicks_ = timestamp - referenceTimestamp_;
  }
  if (sequenceDistance(sequence, highestSequence_) > 0) highestSequence_ = sequence;
  referenceSequence_ = sequence;
  referenceTimestamp_ = timestamp;
}

std::span<const std::uint8_t> JitterBuffer::payloadOf(std::uint16_t sequence) const {
  const Slot& s = slot(sequence);
  return std::span(payloads_).subspan((sequence % slots_.size()) * options_.maxPayload, s.length);
}

JitterBuffer::Frame JitterBuffer::pop() { return take(count_ >= options_.reorderDepth); }

JitterBuffer::Frame JitterBuffer::popDue() { return take(count_ > 0); }

JitterBuffer::Frame JitterBuffer::take(bool gapDue) {
  if (!started_ || count_ == 0) return {};
  Slot& head = slot(nextSequence_);
  Frame frame;
  if (head.used && head.sequence == nextSequence_) {
    frame = frameAt(nextSequence_);
    head.used = false;
    --count_;
  } else if (gapDue) {
    frame.kind = Kind::missing;
    frame.sequence = nextSequence_;
    frame.timestamp = lastTimestamp_ + frameTicks_;
  } else {
    return {};
  }
  lastTimestamp_ = frame.timestamp;
  popped_ = true;
  ++nextSequence_;
  return frame;
}

JitterBuffer::Frame JitterBuffer::upcoming() const {
  const Slot& s = slot(nextSequence_);
  if (!started_ || !s.used || s.sequence != nextSequence_) return {};
  return frameAt(nextSequence_);
}

JitterBuffer::Frame JitterBuffer::frameAt(std::uint16_t sequence) const {
  const Slot& s = slot(sequence);
  return {.kind = Kind::frame,
          .sequence = sequence,
          .timestamp = s.timestamp,
          .payloadType = s.payloadType,
          .marker = s.marker,
          .discontinuity = s.discontinuity,
          .payload = payloadOf(sequence)};
}

}  // namespace rtcgate::media
