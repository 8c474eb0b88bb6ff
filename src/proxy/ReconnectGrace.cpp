#include "proxy/ReconnectGrace.hpp"

namespace rtcgate::proxy {

std::string ReconnectGrace::registration(std::string_view aor, std::string_view bindingKey) {
  std::string key(aor);
  key.push_back('\n');  // neither an AOR nor a binding key holds a line break
  key.append(bindingKey);
  return key;
}

void ReconnectGrace::add(const std::string& registration, Wait wait) {
  forget(wait.dialogId);
  byDialog_.emplace(wait.dialogId, registration);
  byRegistration_.emplace(registration, wait);
}

std::vector<ReconnectGrace::Wait> ReconnectGrace::take(const std::string& registration) {
  std::vector<Wait> waits;
  auto [first, last] = byRegistration_.equal_range(registration);
  for (auto it = first; it != last; ++it) {
    waits.push_back(it->second);
    byDialog_.erase(it->second.dialogId);
  }
  byRegistration_.erase(first, last);
  return waits;
}

std::optional<ReconnectGrace::Wait> ReconnectGrace::forget(std::uint64_t dialogId) {
  const auto entry = byDialog_.find(dialogId);
  if (entry == byDialog_.end()) return std::nullopt;
  auto [first, last] = byRegistration_.equal_range(entry->second);
  std::optional<Wait> wait;
  for (auto it = first; it != last; ++it) {
    if (it->second.dialogId != dialogId) continue;
    wait = it->second;
    byRegistration_.erase(it);
    break;
  }
  byDialog_.erase(entry);
  return wait;
}

}  // namespace rtcgate::proxy
