#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "base/Timers.hpp"
#include "media/packet/EncodedAudio.hpp"

namespace rtcgate::media {

// Plays an announcement into a call as if one party sent it (the ng `play media` command): while
// it plays, the party's own audio toward its partner is dropped (PacketRelay) and a timer sends
// one of these frames every frame interval instead. The frames continue the party's stream: its
// SSRC, the sequence number after its last packet, timestamps from its last one advancing by the
// frame duration, the marker bit on the first frame (a new talk spurt, RFC 3551 §4.1). As the party
// keeps sending at the same pace meanwhile, its own numbering is about where ours ended when the
// announcement is over and its audio passes again.
//
// State only (no timer, no socket: PacketRelay paces and sends); writeNext() allocates nothing.
class MediaPlayer {
 public:
  struct Continuation {
    std::uint32_t ssrc = 0;
    std::uint16_t nextSequence = 0;
    std::uint32_t nextTimestamp = 0;
  };

  // Starts (or restarts) playing `audio` `repeat` times (at least once).
  void start(std::shared_ptr<const EncodedAudio> audio, unsigned repeat, const Continuation& from);
  // Stops early; the party's audio passes again.
  void stop();
  bool playing() const { return audio_ != nullptr; }

  // The next frame as an RTP packet into `data`; returns its length, 0 when the announcement is
  // over (playing() is then false) or `capacity` is too small.
  std::size_t writeNext(std::uint8_t* data, std::size_t capacity);

  // Frames sent since start() (for tests and the query reply).
  std::uint64_t sentFrames() const { return sent_; }
  // PacketRelay's pacing: its timer (0 = none), when the next frame is due, the frame interval.
  Timers::Id timer = 0;
  Clock::time_point nextAt{};
  Duration interval{20};

 private:
  std::shared_ptr<const EncodedAudio> audio_;
  unsigned repeatsLeft_ = 0;
  std::size_t frame_ = 0;
  std::uint64_t sent_ = 0;
  Continuation next_;
};

}  // namespace rtcgate::media
