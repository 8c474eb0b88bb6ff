#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>

namespace rtcgate::http {

// One event as every subscriber shares it: rendered once, referenced by each queue.
using SharedText = std::shared_ptr<const std::string>;

// A subscriber's backlog of events: bounded, so a slow reader costs a fixed amount of memory.
// When full the oldest event goes, because a live view wants the latest state more than a
// complete history. Drops are counted here and, when given, in a shared total.
class EventQueue {
 public:
  static constexpr std::size_t kDefaultCapacity = 1000;

  explicit EventQueue(std::size_t capacity = kDefaultCapacity,
                      std::uint64_t* droppedTotal = nullptr)
      : capacity_(capacity == 0 ? 1 : capacity), droppedTotal_(droppedTotal) {}

  // Returns false when an older event had to be dropped to make room.
  bool push(SharedText event);
  bool empty() const { return events_.empty(); }
  std::size_t size() const { return events_.size(); }
  const SharedText& front() const { return events_.front(); }
  void pop() { events_.pop_front(); }
  void clear() { events_.clear(); }

  std::size_t capacity() const { return capacity_; }
  std::uint64_t dropped() const { return dropped_; }

 private:
  std::size_t capacity_;
  std::uint64_t* droppedTotal_;
  std::uint64_t dropped_ = 0;
  std::deque<SharedText> events_;
};

}  // namespace rtcgate::http
