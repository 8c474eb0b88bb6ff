#include "media/relay/HeapTrimmer.hpp"

#include <malloc.h>

namespace rtcgate::media {

HeapTrimmer::HeapTrimmer(std::chrono::milliseconds period)
    : thread_([this, period] { run(period); }) {}

HeapTrimmer::~HeapTrimmer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

bool HeapTrimmer::trimIfReleased() {
  if (!released_.exchange(false, std::memory_order_relaxed)) return false;
  // Also hands back free pages inside the heap (madvise), not only at its top.
  malloc_trim(0);
  return true;
}

void HeapTrimmer::run(std::chrono::milliseconds period) {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, period, [this] { return stopping_; })) {
    lock.unlock();
    if (trimIfReleased()) trims_.fetch_add(1, std::memory_order_relaxed);
    lock.lock();
  }
}

}  // namespace rtcgate::media
