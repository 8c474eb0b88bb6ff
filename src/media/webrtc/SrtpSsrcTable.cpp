#include "media/webrtc/SrtpSsrcTable.hpp"

namespace rtcgate::media {

SrtpSsrcTable::Entry* SrtpSsrcTable::find(std::uint32_t ssrc) {
  Entry* hit = nullptr;
  if (entries_[last_].used && entries_[last_].ssrc == ssrc) {
    hit = &entries_[last_];
  } else {
    for (std::size_t i = 0; i < kSlots; ++i) {
      if (entries_[i].used && entries_[i].ssrc == ssrc) {
        hit = &entries_[i];
        last_ = i;
        break;
      }
    }
  }
  if (hit != nullptr) hit->lastUse = ++clock_;
  return hit;
}

SrtpSsrcTable::Entry& SrtpSsrcTable::obtain(std::uint32_t ssrc) {
  if (Entry* entry = find(ssrc)) return *entry;
  std::size_t victim = 0;
  for (std::size_t i = 0; i < kSlots; ++i) {
    if (!entries_[i].used) {
      victim = i;
      break;
    }
    // Unsigned differences keep the order right across a wrap of the clock.
    if (clock_ - entries_[i].lastUse > clock_ - entries_[victim].lastUse) victim = i;
  }
  Entry& entry = entries_[victim];
  entry = Entry{};
  entry.ssrc = ssrc;
  entry.used = true;
  entry.lastUse = ++clock_;
  last_ = victim;
  return entry;
}

}  // namespace rtcgate::media
