#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>
#include <thread>
#include <vector>

#include "media/packet/SharedCounter.hpp"
#include "media/recording/CallRecording.hpp"
#include "media/recording/RecordingQueue.hpp"

namespace rtcgate::media {

// The thread that owns a relay engine's recordings and their file I/O (decoding, resampling,
// writing): it drains the engine's RecordingQueue every 10 ms while a recording is open. Polling,
// not waking per packet: the packet path only fills a slot, with no system call and no lock. The
// engine's worker thread is the queue's one producer: start(), stop() and the RecordingTaps all run
// there.
class RecordingWriter {
 public:
  static constexpr std::size_t kDefaultSlots = 4096;  // ~6 MB; 2 s of 50 calls' packets both ways
  static constexpr std::chrono::milliseconds kPollInterval{10};
  // With no recording open the thread looks less often: a start waits at most this long, its
  // first packets in the queue.
  static constexpr std::chrono::milliseconds kIdlePollInterval{100};

  explicit RecordingWriter(std::size_t slots = kDefaultSlots);
  // Stops the thread; recordings not stopped yet are closed at the newest time seen.
  ~RecordingWriter();
  RecordingWriter(const RecordingWriter&) = delete;
  RecordingWriter& operator=(const RecordingWriter&) = delete;

  RecordingQueue& queue() { return queue_; }
  // Hands `recording` to the thread; false (and `recording` kept) when the queue has no room.
  bool start(std::unique_ptr<CallRecording>& recording, std::int64_t micros);
  // The recording's last message: the thread writes up to `micros`, closes it and frees it.
  // `toTag`: the callee's tag now, for a recording started before the answer named it.
  bool stop(CallRecording* recording, std::int64_t micros, std::uint64_t dropped,
            std::string_view toTag = {});
  // Packets the taps could not queue, all recordings together (any thread may read).
  std::uint64_t dropped() const { return dropped_.value(); }
  SharedCounter& droppedCounter() { return dropped_; }
  // Recordings open on the thread (tests wait for it to reach 0).
  std::size_t open() const { return open_.load(std::memory_order_acquire); }

 private:
  void run();
  void drain();
  void handle(RecordingMessage& message);

  RecordingQueue queue_;
  SharedCounter dropped_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> open_{0};
  std::int64_t newestMicros_ = 0;                           // thread only
  std::vector<std::unique_ptr<CallRecording>> recordings_;  // thread only
  std::thread thread_;  // last: starts after everything it uses exists
};

}  // namespace rtcgate::media
