#include "ng/CookieCache.hpp"

namespace rtcgate::ng {

void CookieCache::rotate(Clock::time_point now) {
  if (!started_) {
    started_ = true;
    generationStart_ = now;
    return;
  }
  if (now - generationStart_ < lifetime_) return;
  // Two lifetimes without traffic: both generations are stale.
  if (now - generationStart_ >= 2 * lifetime_) current_.clear();
  previous_ = std::move(current_);
  current_.clear();
  generationStart_ = now;
}

const std::string* CookieCache::find(std::string_view cookie, Clock::time_point now) {
  rotate(now);
  const std::string key(cookie);
  if (auto it = current_.find(key); it != current_.end()) return &it->second;
  if (auto it = previous_.find(key); it != previous_.end()) return &it->second;
  return nullptr;
}

void CookieCache::store(std::string_view cookie, std::string reply, Clock::time_point now) {
  rotate(now);
  current_[std::string(cookie)] = std::move(reply);
}

}  // namespace rtcgate::ng
