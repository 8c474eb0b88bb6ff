#include "dns/DestinationBlacklist.hpp"

#include <algorithm>

namespace rtcgate::dns {

void DestinationBlacklist::add(const Destination& destination, Duration duration) {
  if (duration <= Duration::zero()) return;
  constexpr std::size_t kPurgeAbove = 256;
  if (until_.size() >= kPurgeAbove) purge();
  auto& until = until_[destination];
  until = std::max(until, timers_.now() + duration);
  ++stats_.added;
  stats_.entries = until_.size();
}

bool DestinationBlacklist::contains(const Destination& destination) const {
  const auto it = until_.find(destination);
  return it != until_.end() && it->second > timers_.now();
}

void DestinationBlacklist::purge() {
  const auto now = timers_.now();
  std::erase_if(until_, [now](const auto& entry) { return entry.second <= now; });
  stats_.entries = until_.size();
}

}  // namespace rtcgate::dns
