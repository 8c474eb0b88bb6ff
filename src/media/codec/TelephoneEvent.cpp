#include "media/codec/TelephoneEvent.hpp"

#include <algorithm>

namespace rtcgate::media {

bool TelephoneEvent::parse(std::span<const std::uint8_t> payload, TelephoneEvent& event) {
  if (payload.size() < kBlockSize) return false;
  event.event = payload[0];
  event.end = (payload[1] & 0x80) != 0;
  event.volume = payload[1] & 0x3f;
  event.duration = static_cast<std::uint16_t>(payload[2] << 8 | payload[3]);
  return true;
}

std::size_t TelephoneEvent::rescale(std::span<const std::uint8_t> payload, std::uint32_t fromRate,
                                    std::uint32_t toRate, std::span<std::uint8_t> out) {
  const std::size_t bytes = std::min(payload.size(), out.size()) / kBlockSize * kBlockSize;
  for (std::size_t at = 0; at < bytes; at += kBlockSize) {
    const std::uint64_t duration =
        static_cast<std::uint64_t>(payload[at + 2] << 8 | payload[at + 3]);
    const auto scaled = static_cast<std::uint16_t>(
        std::min<std::uint64_t>(duration * toRate / std::max(fromRate, 1u), 0xffff));
    out[at] = payload[at];
    out[at + 1] = payload[at + 1];
    out[at + 2] = static_cast<std::uint8_t>(scaled >> 8);
    out[at + 3] = static_cast<std::uint8_t>(scaled);
  }
  return bytes;
}

}  // namespace rtcgate::media
