#include "media/recording/RecordingQueue.hpp"

#include <algorithm>
#include <bit>

namespace rtcgate::media {

RecordingQueue::RecordingQueue(std::size_t capacity)
    : slots_(std::bit_ceil(std::max(capacity, 2 * kControlReserve))), mask_(slots_.size() - 1) {}

RecordingMessage* RecordingQueue::reserve(std::size_t keepFree) {
  const std::size_t head = head_.load(std::memory_order_relaxed);
  const std::size_t used = head - tail_.load(std::memory_order_acquire);
  if (used + keepFree >= slots_.size()) return nullptr;
  return &slots_[head & mask_];
}

RecordingMessage* RecordingQueue::front() {
  const std::size_t tail = tail_.load(std::memory_order_relaxed);
  if (tail == head_.load(std::memory_order_acquire)) return nullptr;
  return &slots_[tail & mask_];
}

}  // namespace rtcgate::media
