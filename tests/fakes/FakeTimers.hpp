#pragma once

#include <map>
#include <unordered_map>
#include <utility>

#include "base/Timers.hpp"

namespace rtcgate::testing {

// Deterministic Timers: time moves only when the test calls advance().
class FakeTimers : public Timers {
 public:
  Clock::time_point now() const override { return now_; }

  Id start(Duration after, std::function<void()> callback) override {
    Id id = ++lastId_;
    const auto key = std::make_pair(now_ + after, id);
    pending_.emplace(key, std::move(callback));
    deadlines_.emplace(id, key.first);
    return id;
  }

  void cancel(Id id) override {
    const auto deadline = deadlines_.find(id);
    if (deadline == deadlines_.end()) return;
    pending_.erase(std::make_pair(deadline->second, id));
    deadlines_.erase(deadline);
  }

  // Runs every callback due up to now + by, in deadline order (callbacks may start new timers).
  void advance(Duration by) {
    const auto until = now_ + by;
    while (!pending_.empty() && pending_.begin()->first.first <= until) {
      auto node = pending_.extract(pending_.begin());
      now_ = node.key().first;
      deadlines_.erase(node.key().second);
      node.mapped()();
    }
    now_ = until;
  }

  std::size_t pendingCount() const { return pending_.size(); }

 private:
  Clock::time_point now_{std::chrono::hours(1)};
  Id lastId_ = 0;
  std::map<std::pair<Clock::time_point, Id>, std::function<void()>> pending_;
  std::unordered_map<Id, Clock::time_point> deadlines_;
};

}  // namespace rtcgate::testing
