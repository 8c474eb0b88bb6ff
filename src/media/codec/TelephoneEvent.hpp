#pragma once

#include <cstdint>
#include <span>

namespace rtcgate::media {

// RFC 4733 section 2.3 named-event payload: one or more 4-byte blocks of event, end bit (E),
// reserved bit, volume, and a duration in timestamp ticks since the event began.
struct TelephoneEvent {
  static constexpr std::size_t kBlockSize = 4;

  // The first block's fields; false when the payload is shorter than a block.
  static bool parse(std::span<const std::uint8_t> payload, TelephoneEvent& event);
  // Copies the payload's whole blocks to `out` with each duration converted from `fromRate` to
  // `toRate` ticks (saturating at the 16-bit maximum); returns the bytes written.
  static std::size_t rescale(std::span<const std::uint8_t> payload, std::uint32_t fromRate,
                             std::uint32_t toRate, std::span<std::uint8_t> out);

  std::uint8_t event = 0;
  bool end = false;
  std::uint8_t volume = 0;
  std::uint16_t duration = 0;
};

}  // namespace rtcgate::media
