#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace rtcgate::media {

// Gives heap the relay has freed back to the operating system. glibc keeps freed chunks in its
// arenas: a burst of DTLS handshakes (an OpenSSL session is tens of KiB while it lives) with the
// long-lived SRTP contexts allocated between them leaves whole pages free but still resident,
// more than the sessions themselves hold. Whoever frees such memory marks it (any thread, one
// relaxed store); a thread of the trimmer's own trims once per period when something was marked.
// malloc_trim walks the whole heap (~17 ms for 175 MiB), so it must not run on a media worker:
// the packet path does not allocate, so trimming beside it does not stall it.
class HeapTrimmer {
 public:
  explicit HeapTrimmer(std::chrono::milliseconds period = std::chrono::seconds(1));
  ~HeapTrimmer();
  HeapTrimmer(const HeapTrimmer&) = delete;
  HeapTrimmer& operator=(const HeapTrimmer&) = delete;

  static void noteRelease() { released_.store(true, std::memory_order_relaxed); }
  // Trims now when something was marked since the last trim; returns whether it did.
  static bool trimIfReleased();
  std::uint64_t trims() const { return trims_.load(std::memory_order_relaxed); }

 private:
  void run(std::chrono::milliseconds period);

  static inline std::atomic<bool> released_{false};
  std::atomic<std::uint64_t> trims_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;  // last: started once the members it uses exist
};

}  // namespace rtcgate::media
