#include "media/packet/TelephoneEvent.hpp"

#include <algorithm>

namespace rtcgate::media {
namespace {

constexpr char kDigits[TelephoneEvent::kDtmfEvents + 1] = "0123456789*#ABCD";

}  // namespace

std::optional<TelephoneEvent> TelephoneEvent::parse(const std::uint8_t* payload,
                                                    std::size_t length) {
  if (length < kSize) return std::nullopt;
  TelephoneEvent event;
  event.event = payload[0];
  event.end = (payload[1] & 0x80) != 0;
  event.volume = payload[1] & 0x3f;  // 0x40 is the reserved bit, ignored by receivers
  event.duration = static_cast<std::uint16_t>((payload[2] << 8) | payload[3]);
  return event;
}

void TelephoneEvent::write(std::uint8_t* payload) const {
  payload[0] = event;
  const std::uint8_t level = volume > kMaxVolume ? kMaxVolume : volume;
  payload[1] = static_cast<std::uint8_t>((end ? 0x80 : 0) | level);
  payload[2] = static_cast<std::uint8_t>(duration >> 8);
  payload[3] = static_cast<std::uint8_t>(duration & 0xff);
}

std::optional<std::uint8_t> dtmfEventOf(char digit) {
  if (digit >= 'a' && digit <= 'd') digit = static_cast<char>(digit - 'a' + 'A');
  for (std::uint8_t event = 0; event < TelephoneEvent::kDtmfEvents; ++event) {
    if (kDigits[event] == digit) return event;
  }
  return std::nullopt;
}

char dtmfDigitOf(std::uint8_t event) {
  return event < TelephoneEvent::kDtmfEvents ? kDigits[event] : '\0';
}

std::size_t TelephoneEvent::rescale(std::span<const std::uint8_t> payload, std::uint32_t fromRate,
                                    std::uint32_t toRate, std::span<std::uint8_t> out) {
  const std::size_t bytes = std::min(payload.size(), out.size()) / kSize * kSize;
  for (std::size_t at = 0; at < bytes; at += kSize) {
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
