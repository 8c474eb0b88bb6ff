#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace rtcgate::media {

// The RFC 4733 §2.3 telephone-event payload (the 4 bytes after the RTP header): which event, the
// end bit, the volume (0..63, -dBm0) and the duration so far in RTP timestamp units. Pure: parse
// and write in place, no allocation (the packet path uses it).
struct TelephoneEvent {
  static constexpr std::size_t kSize = 4;
  static constexpr std::uint8_t kMaxVolume = 63;
  // The DTMF events (RFC 4733 §3.2): 0-9, *, #, A-D.
  static constexpr std::uint8_t kDtmfEvents = 16;

  std::uint8_t event = 0;
  bool end = false;
  std::uint8_t volume = 0;
  std::uint16_t duration = 0;

  // nullopt when fewer than kSize bytes. Bytes after the first block (RFC 4733 §2.5.1.5 allows
  // redundant blocks of earlier events) are ignored: the first block is the current event.
  static std::optional<TelephoneEvent> parse(const std::uint8_t* payload, std::size_t length);
  // Writes kSize bytes; the reserved bit is 0 and the volume is capped at kMaxVolume.
  void write(std::uint8_t* payload) const;
  // Copies the payload's whole blocks to `out` with each duration converted from `fromRate` to
  // `toRate` ticks (saturating at the 16-bit maximum), for a transcoded leg whose clock differs;
  // returns the bytes written.
  static std::size_t rescale(std::span<const std::uint8_t> payload, std::uint32_t fromRate,
                             std::uint32_t toRate, std::span<std::uint8_t> out);

  bool isDtmf() const { return event < kDtmfEvents; }
  bool operator==(const TelephoneEvent&) const = default;
};

// '0'-'9', '*', '#', 'A'-'D' (or 'a'-'d') -> event 0..15; nullopt for any other character.
std::optional<std::uint8_t> dtmfEventOf(char digit);
// Event 0..15 -> '0'-'9', '*', '#', 'A'-'D'; '\0' for events that are not DTMF digits.
char dtmfDigitOf(std::uint8_t event);

}  // namespace rtcgate::media
