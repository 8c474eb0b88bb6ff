#pragma once

#include <array>
#include <cstdint>
#include <optional>

namespace rtcgate::media {

// The RFC 4733 telephone-event payload types one party's SDP lists for a line, with their clock
// rates: at most two are kept (browsers offer telephone-event/48000 and /8000, phones one).
// Fixed size: the packet path tests membership with two compares.
class TelephoneEventTypes {
 public:
  static constexpr std::uint8_t kNone = 0xff;

  void clear() { entries_ = {}; }
  // Ignored when two are already kept (a third rate is for no codec the relay sees).
  void add(std::uint8_t payloadType, std::uint32_t clockRate);
  bool any() const { return entries_[0].payloadType != kNone; }
  bool contains(std::uint8_t payloadType) const {
    return payloadType == entries_[0].payloadType || payloadType == entries_[1].payloadType;
  }
  // The clock rate of a kept payload type; 8000 for one not kept.
  std::uint32_t clockRateOf(std::uint8_t payloadType) const;
  // The payload type with this clock rate, if the SDP listed one.
  std::optional<std::uint8_t> forClockRate(std::uint32_t clockRate) const;

 private:
  struct Entry {
    std::uint8_t payloadType = kNone;
    std::uint32_t clockRate = 8000;
  };
  std::array<Entry, 2> entries_{};
};

}  // namespace rtcgate::media
