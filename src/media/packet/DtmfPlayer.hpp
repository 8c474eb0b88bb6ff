#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "media/packet/RtpPacket.hpp"

namespace rtcgate::media {

// Plays DTMF digits into a call as RFC 4733 telephone-events "as if the party sent them" (the ng
// `play DTMF` command), without generating a stream of its own: while a digit plays, each RTP
// audio packet the party sends on the line is rewritten in place into a telephone-event packet
// with the same SSRC and sequence number (so the stream toward the peer stays contiguous and no
// sequence numbers need rewriting afterwards). The event's packets carry its start timestamp
// (the first replaced packet's), a duration growing by the party's own timestamp step, and the
// marker bit on the first; when the duration is reached the next three packets are end packets
// (RFC 4733 §2.5.1.4); then the party's audio passes again for the pause before the next digit.
//
// The digits are paced by the party's own packets: while it sends nothing (hold, DTX silence
// without packets) the digits wait. An event is at most 65535 timestamp units (1.36 s at 48 kHz,
// 8.2 s at 8 kHz): longer ones are cut there, not split into segments.
//
// Fixed size (a queue of kMaxDigits), no allocation: one per media stream.
class DtmfPlayer {
 public:
  static constexpr std::size_t kMaxDigits = 64;
  static constexpr int kEndPackets = 3;

  struct Digit {
    std::uint8_t event = 0;        // 0..15
    std::uint8_t volume = 8;       // 0..63: -dBm0
    std::uint8_t payloadType = 0;  // the recipient's telephone-event type at the audio's rate
    std::uint32_t duration = 0;    // timestamp units
    std::uint32_t pause = 0;       // timestamp units of audio after it, before the next digit
    std::uint32_t frame = 160;     // 20 ms in timestamp units: the step until the party's is seen
  };

  // Queues one digit; false when kMaxDigits are already waiting.
  bool enqueue(const Digit& digit);
  std::size_t queued() const { return count_; }
  // A digit is queued or playing: the packet path must hand audio packets here.
  bool playing() const { return count_ != 0; }
  // Drops what is queued (the call's line was renegotiated, its party went away).
  void clear();

  // One RTP audio packet of the party (`header` parsed from `data`): rewritten in place into a
  // telephone-event packet when a digit is due, with its new length returned; 0 = send it as it is.
  std::size_t onAudio(std::uint8_t* data, std::size_t capacity, const RtpHeader& header);

 private:
  enum class Phase : std::uint8_t { Start, Playing, Ending, Pause };

  std::size_t writeEvent(std::uint8_t* data, std::size_t capacity, bool marker, bool end) const;
  std::uint32_t stepFrom(const RtpHeader& header, std::uint32_t frame) const;
  void next();

  std::array<Digit, kMaxDigits> queue_{};
  std::size_t head_ = 0;
  std::size_t count_ = 0;
  Phase phase_ = Phase::Start;
  int endsLeft_ = 0;
  std::uint32_t start_ = 0;      // the playing event's timestamp
  std::uint32_t elapsed_ = 0;    // its duration so far
  std::uint32_t pauseFrom_ = 0;  // timestamp of the first packet after its end packets
  bool haveLast_ = false;
  std::uint32_t lastTimestamp_ = 0;  // the party's previous packet, for its timestamp step
};

}  // namespace rtcgate::media
