#pragma once

#include <map>
#include <unordered_map>
#include <utility>

#include "base/Timers.hpp"

namespace rtcgate::testing {

// Deterministic Timers: time moves only when the test calls advance(). The wall clock starts at
// kWallStart and moves with the monotonic one.
class FakeTimers : public Timers {
 public:
  // 2026-01-01T00:00:00Z: a fixed calendar time, so tests can assert CDR times and expiries.
  static constexpr WallClock::time_point kWallStart{std::chrono::seconds(1767225600)};

  Clock::time_point now() const override { return now_; }
  WallClock::time_point wallNow() const override {
    return kWallStart + std::chrono::duration_cast<WallClock::duration>(now_ - kStart);
  }

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
  static constexpr Clock::time_point kStart{std::chrono::hours(1)};
  Clock::time_point now_ = kStart;
  Id lastId_ = 0;
  std::map<std::pair<Clock::time_point, Id>, std::function<void()>> pending_;
  std::unordered_map<Id, Clock::time_point> deadlines_;
};

}  // namespace rtcgate::testing
