#pragma once

#include <atomic>
#include <cstddef>
#include <vector>

#include "media/recording/RecordingMessage.hpp"

namespace rtcgate::media {

// A single-producer single-consumer ring of preallocated RecordingMessage slots between a relay
// worker (producer: packet path and ng commands) and the recording writer thread (consumer). No
// allocation and no lock after construction: a producer fills a slot in place and publishes it
// with one release store. Packets may not take the last kControlReserve slots, so that a start
// or stop still fits when the packets have filled the queue; a packet that finds no room is the
// caller's to drop and count.
class RecordingQueue {
 public:
  static constexpr std::size_t kControlReserve = 16;

  // `capacity` is rounded up to a power of two, at least 2 * kControlReserve.
  explicit RecordingQueue(std::size_t capacity);
  RecordingQueue(const RecordingQueue&) = delete;
  RecordingQueue& operator=(const RecordingQueue&) = delete;

  std::size_t capacity() const { return slots_.size(); }

  // Producer: a free slot to fill, then publish() it; null when there is no room.
  RecordingMessage* reservePacket() { return reserve(kControlReserve); }
  RecordingMessage* reserveControl() { return reserve(0); }
  void publish() {
    head_.store(head_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  }

  // Consumer: the oldest published slot (null when empty); pop() frees it.
  RecordingMessage* front();
  void pop() { tail_.store(tail_.load(std::memory_order_relaxed) + 1, std::memory_order_release); }

 private:
  RecordingMessage* reserve(std::size_t keepFree);

  std::vector<RecordingMessage> slots_;
  std::size_t mask_;
  // On separate cache lines: the producer writes head_, the consumer tail_.
  alignas(64) std::atomic<std::size_t> head_{0};  // next slot to publish
  alignas(64) std::atomic<std::size_t> tail_{0};  // next slot to read
};

}  // namespace rtcgate::media
