#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace rtcgate::media {

// A small reorder/playout buffer for one incoming RTP stream, keyed by sequence number: packets go
// in as they arrive, frames come out in sequence order, a gap comes out as a "missing" frame (the
// caller conceals it) once it is due. Fixed capacity, storage allocated at construction; no clock
// of its own, so it is deterministic:
//  - pop() is for a caller driven by arriving packets (the transcoder): a gap is due once
//    `reorderDepth` later packets are waiting behind it, i.e. it is not merely reordered;
//  - popDue() is for a caller driven by its own frame clock (playback, recording): the clock says a
//    frame is due, so a gap is missing as soon as anything later waits.
// Duplicates and packets older than the playout point are dropped. A sequence number far outside
// the window, or a timestamp that jumps further than `maxTimestampJump` from where the sequence
// number puts it (a new SSRC, a sender restart), resynchronises: what is buffered is dropped and
// the stream restarts at that packet, which comes out flagged as a discontinuity.
class JitterBuffer {
 public:
  struct Options {
    std::size_t capacity = 16;               // frames
    std::size_t maxPayload = 1500;           // bytes per frame
    std::size_t reorderDepth = 3;            // later packets that make a gap due (pop())
    std::uint32_t maxTimestampJump = 80000;  // ticks; 10 s at 8 kHz
  };
  enum class PushResult { stored, duplicate, late, tooLarge, resynced };
  enum class Kind { none, frame, missing };
  struct Frame {
    Kind kind = Kind::none;
    std::uint16_t sequence = 0;
    std::uint32_t timestamp = 0;  // a missing frame's is predicted from the frame spacing seen
    std::uint8_t payloadType = 0;
    bool marker = false;
    bool discontinuity = false;  // first frame after a start or resync: timing restarts here
    std::span<const std::uint8_t> payload;  // valid until the next push
  };

  explicit JitterBuffer(const Options& options);

  PushResult push(std::uint16_t sequence, std::uint32_t timestamp,
                  std::span<const std::uint8_t> payload, std::uint8_t payloadType = 0,
                  bool marker = false);
  Frame pop();
  Frame popDue();
  // The frame the next pop returns if it is buffered (kind none otherwise), without taking it:
  // after a missing frame, the packet whose Opus in-band FEC may recover it.
  Frame upcoming() const;
  // Forgets the stream (the caller saw its SSRC change).
  void reset();

  std::size_t size() const { return count_; }
  // The timestamp ticks between consecutive frames, as last seen (0 before two were).
  std::uint32_t frameTicks() const { return frameTicks_; }

 private:
  struct Slot {
    bool used = false;
    bool marker = false;
    bool discontinuity = false;
    std::uint8_t payloadType = 0;
    std::uint16_t sequence = 0;
    std::uint32_t timestamp = 0;
    std::size_t length = 0;
  };

  void restart(std::uint16_t sequence);
  void store(std::uint16_t sequence, std::uint32_t timestamp, std::span<const std::uint8_t> payload,
             std::uint8_t payloadType, bool marker, bool discontinuity);
  bool timestampJumped(std::uint16_t sequence, std::uint32_t timestamp) const;
  Frame take(bool gapDue);
  Frame frameAt(std::uint16_t sequence) const;
  Slot& slot(std::uint16_t sequence) { return slots_[sequence % slots_.size()]; }
  const Slot& slot(std::uint16_t sequence) const { return slots_[sequence % slots_.size()]; }
  std::span<const std::uint8_t> payloadOf(std::uint16_t sequence) const;

  Options options_;
  std::vector<Slot> slots_;
  std::vector<std::uint8_t> payloads_;
  std::size_t count_ = 0;
  bool started_ = false;
  bool popped_ = false;  // before the first pop an earlier packet can still become the head
  std::uint16_t nextSequence_ = 0;
  std::uint16_t highestSequence_ = 0;
  // The last packet stored, the reference for the timestamp-jump check.
  std::uint16_t referenceSequence_ = 0;
  std::uint32_t referenceTimestamp_ = 0;
  std::uint32_t lastTimestamp_ = 0;  // of the last frame popped
  std::uint32_t frameTicks_ = 0;
};

}  // namespace rtcgate::media
