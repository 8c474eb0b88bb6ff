#include "proxy/AuthBans.hpp"

#include <algorithm>

namespace rtcgate::proxy {

bool AuthBans::isBanned(const std::string& source, Clock::time_point now) {
  if (!options_.enabled) return false;
  const auto it = bans_.find(source);
  if (it == bans_.end()) return false;
  if (it->second.until <= now) {
    bans_.erase(it);
    return false;
  }
  ++refusedTotal_;
  return true;
}

bool AuthBans::recordFailure(const std::string& source, std::string_view user,
                             Clock::time_point now) {
  if (!options_.enabled) return false;
  if (bySource_.size() + byUser_.size() >= options_.maxTracked) forgetExpired(now);
  const auto fromSource = count(bySource_, source, now);
  const auto forUser = count(byUser_, std::string(user), now);
  if (fromSource >= options_.sourceFailures) {
    ban(source, "failed credentials from this source", fromSource, now);
    return true;
  }
  if (forUser >= options_.userFailures) {
    ban(source, "failed credentials for " + std::string(user) + " from many sources", forUser, now);
    return true;
  }
  return false;
}

std::uint32_t AuthBans::count(std::unordered_map<std::string, Window>& windows,
                              const std::string& key, Clock::time_point now) {
  auto it = windows.find(key);
  if (it == windows.end()) {
    // Past the memory bound only sources and users already counted are counted further.
    if (windows.size() >= options_.maxTracked) return 0;
    it = windows.emplace(key, Window{now, 0}).first;
  }
  auto& window = it->second;
  if (now - window.start >= options_.window) window = Window{now, 0};
  return ++window.count;
}

void AuthBans::forgetExpired(Clock::time_point now) {
  for (auto* windows : {&bySource_, &byUser_}) {
    std::erase_if(*windows,
                  [&](const auto& entry) { return now - entry.second.start >= options_.window; });
  }
  std::erase_if(bans_, [&](const auto& entry) { return entry.second.until <= now; });
}

void AuthBans::ban(const std::string& source, std::string reason, std::uint32_t failures,
                   Clock::time_point now) {
  auto& ban = bans_[source];
  if (ban.until <= now) ++bansTotal_;
  ban = Ban{source, now + options_.banTime, std::move(reason), failures};
  bySource_.erase(source);
}

std::vector<AuthBans::Ban> AuthBans::active(Clock::time_point now) {
  std::erase_if(bans_, [&](const auto& entry) { return entry.second.until <= now; });
  std::vector<Ban> out;
  out.reserve(bans_.size());
  for (const auto& [source, ban] : bans_) out.push_back(ban);
  std::sort(out.begin(), out.end(), [](const Ban& a, const Ban& b) { return a.source < b.source; });
  return out;
}

}  // namespace rtcgate::proxy
