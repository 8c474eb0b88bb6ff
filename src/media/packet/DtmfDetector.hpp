#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "base/Timers.hpp"
#include "media/packet/TelephoneEvent.hpp"

namespace rtcgate::media {

// Turns the RFC 4733 telephone-event packets one party sends on one line into digits, each
// reported once. An event is its RTP timestamp (RFC 4733 §2.5.1.2: every packet of one event
// carries the timestamp of its start); it ends with the end bit, which senders repeat (usually
// three times, §2.5.1.4) and which is reported the first time only. An event whose end packets
// were all lost ends when the next event starts, when the party's audio resumes (onAudio) or
// after kEndTimeout without packets (expire). Events that are not DTMF digits (flash hook, tones)
// are ignored.
//
// Fixed size, no allocation: one per media stream, fed from the packet path.
class DtmfDetector {
 public:
  // A running event without packets for this long has ended.
  static constexpr Duration kEndTimeout{500};

  struct Digit {
    char digit = '0';              // '0'-'9', '*', '#', 'A'-'D'
    std::uint32_t durationMs = 0;  // the event's last duration at its clock rate
    std::uint8_t volume = 0;       // 0..63: -dBm0
  };
  // One packet may end two digits: the previous event (its end lost, ended by this one's start)
  // and this one, when its first packet already carries the end bit.
  struct Detected {
    std::array<Digit, 2> digits{};
    std::uint8_t count = 0;
  };

  // One telephone-event packet: its RTP timestamp, its payload and the payload type's clock rate.
  Detected onEvent(std::uint32_t timestamp, const TelephoneEvent& event, std::uint32_t clockRate,
                   Clock::time_point now);
  // An audio packet of the same party: a running event has ended.
  std::optional<Digit> onAudio();
  // The running event, if its last packet is older than kEndTimeout.
  std::optional<Digit> expire(Clock::time_point now);
  // An event has started and not been reported yet.
  bool active() const { return active_; }

 private:
  Digit finish();
  void start(std::uint32_t timestamp, const TelephoneEvent& event, std::uint32_t clockRate);

  bool active_ = false;
  bool seen_ = false;  // timestamp_ names an event (running or reported)
  std::uint8_t event_ = 0;
  std::uint8_t volume_ = 0;
  std::uint16_t duration_ = 0;
  std::uint32_t timestamp_ = 0;
  std::uint32_t clockRate_ = 8000;
  Clock::time_point lastPacket_{};
};

}  // namespace rtcgate::media
