#include "media/packet/TelephoneEventTypes.hpp"

namespace rtcgate::media {

void TelephoneEventTypes::add(std::uint8_t payloadType, std::uint32_t clockRate) {
  for (Entry& entry : entries_) {
    if (entry.payloadType == kNone) {
      entry = {payloadType, clockRate == 0 ? 8000 : clockRate};
      return;
    }
  }
}

std::uint32_t TelephoneEventTypes::clockRateOf(std::uint8_t payloadType) const {
  for (const Entry& entry : entries_) {
    if (entry.payloadType == payloadType && payloadType != kNone) return entry.clockRate;
  }
  return 8000;
}

std::optional<std::uint8_t> TelephoneEventTypes::forClockRate(std::uint32_t clockRate) const {
  for (const Entry& entry : entries_) {
    if (entry.payloadType != kNone && entry.clockRate == clockRate) return entry.payloadType;
  }
  return std::nullopt;
}

}  // namespace rtcgate::media
