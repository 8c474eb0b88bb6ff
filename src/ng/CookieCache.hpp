#pragma once

#include <string>
#include <string_view>
#include <unordered_map>

#include "base/Timers.hpp"

namespace rtcgate::ng {

// Replies by cookie, so a retransmitted request is answered again without repeating its action.
// Two generations are swapped every `lifetime`, so a reply stays replayable for one to two
// lifetimes (rtpengine keeps them 30-60 s) and memory stays bounded by the request rate.
class CookieCache {
 public:
  explicit CookieCache(Duration lifetime) : lifetime_(lifetime) {}

  // The cached reply for `cookie`, or nullptr.
  const std::string* find(std::string_view cookie, Clock::time_point now);
  void store(std::string_view cookie, std::string reply, Clock::time_point now);
  std::size_t size() const { return current_.size() + previous_.size(); }

 private:
  void rotate(Clock::time_point now);

  Duration lifetime_;
  Clock::time_point generationStart_{};
  bool started_ = false;
  std::unordered_map<std::string, std::string> current_;
  std::unordered_map<std::string, std::string> previous_;
};

}  // namespace rtcgate::ng
