#include "dns/DnsCache.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

namespace rtcgate::dns {

DnsCache::DnsCache(DnsClient& client, const Timers& timers, Options options)
    : client_(client), timers_(timers), options_(options) {}

// Names compare without case and without a trailing dot.
std::string DnsCache::keyOf(std::string_view name, RecordType type) {
  if (name.ends_with('.')) name.remove_suffix(1);
  std::string key;
  key.reserve(name.size() + 6);
  for (const char c : name) key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  key += '/';
  key += std::to_string(static_cast<unsigned>(type));
  return key;
}

void DnsCache::lookup(std::string_view name, RecordType type, Callback done) {
  auto key = keyOf(name, type);
  if (const auto it = entries_.find(key);
      it != entries_.end() && it->second.expires > timers_.now()) {
    ++stats_.hits;
    done(it->second.answer);
    return;
  }
  ++stats_.misses;
  auto& waiting = waiting_[key];
  waiting.push_back(std::move(done));
  if (waiting.size() > 1) return;  // already asked
  client_.query(name, type, [this, key = std::move(key)](DnsAnswer answer) {
    answered(key, std::move(answer));
  });
}

void DnsCache::answered(const std::string& key, DnsAnswer answer) {
  const auto now = timers_.now();
  auto entry = entries_.find(key);
  if (answer.status == DnsAnswer::Status::Failed && entry != entries_.end() &&
      entry->second.answer.ok() && now - entry->second.expires < options_.staleFor) {
    // Keep the old answer a little longer instead of the failure.
    ++stats_.staleServed;
    spdlog::warn("dns: {} failed ({}); serving the expired answer", key, answer.error);
    entry->second.expires = now + options_.failedTtl;
  } else {
    if (entry == entries_.end()) {
      makeRoom();
      entry = entries_.emplace(key, Entry{}).first;
    }
    entry->second.expires = now + lifetimeOf(answer);
    entry->second.answer = std::move(answer);
  }
  stats_.entries = entries_.size();
  auto callbacks = std::move(waiting_[key]);
  waiting_.erase(key);
  // The entry is not used after the first callback: a callback may look up more names.
  const DnsAnswer answerCopy = entry->second.answer;
  for (auto& callback : callbacks) callback(answerCopy);
}

Clock::duration DnsCache::lifetimeOf(const DnsAnswer& answer) const {
  const std::chrono::seconds ttl(answer.ttl);
  switch (answer.status) {
    case DnsAnswer::Status::Ok:
      return std::min(ttl, options_.maxTtl);
    case DnsAnswer::Status::NoData:
    case DnsAnswer::Status::NoName:
      return answer.ttl == 0 ? options_.negativeTtl : std::min(ttl, options_.negativeTtl);
    case DnsAnswer::Status::Failed:
      return options_.failedTtl;
  }
  return options_.failedTtl;
}

// Expired entries go first; if the cache is still full, the one closest to expiry.
void DnsCache::makeRoom() {
  if (entries_.size() < options_.maxEntries) return;
  const auto now = timers_.now();
  std::erase_if(entries_,
                [&](const auto& entry) { return now - entry.second.expires >= options_.staleFor; });
  if (entries_.size() < options_.maxEntries) return;
  const auto oldest = std::min_element(entries_.begin(), entries_.end(), [](auto& a, auto& b) {
    return a.second.expires < b.second.expires;
  });
  entries_.erase(oldest);
}

}  // namespace rtcgate::dns
