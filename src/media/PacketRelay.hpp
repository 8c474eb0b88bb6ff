#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>

#include "media/EventLoop.hpp"
#include "media/PeerAddress.hpp"

namespace rtcgate::media {

class MediaStream;

// The packet path of one worker: reads a batch of datagrams from a ready media socket with
// recvmmsg, checks each against the stream's latch, counts it, and forwards the batch with
// sendmmsg in place (no copy, no allocation, no lock, no log). Buffers are preallocated per worker.
class PacketRelay {
 public:
  static constexpr int kBatch = 64;
  static constexpr std::size_t kBufferSize = 2048;

  explicit PacketRelay(EventLoop& loop);
  PacketRelay(const PacketRelay&) = delete;
  PacketRelay& operator=(const PacketRelay&) = delete;

  EventLoop& loop() { return loop_; }
  void onReadable(MediaStream& in);

  std::uint64_t relayedPackets() const { return relayedPackets_; }
  std::uint64_t relayedErrors() const { return relayedErrors_; }

 private:
  int receiveBatch(int fd);
  // Decides where packet `index` goes; nullptr = dropped.
  MediaStream* route(MediaStream& in, int index, std::uint32_t arrivalMicros);
  void queueSend(MediaStream& out, int index);
  void flush();

  EventLoop& loop_;
  std::array<std::array<std::uint8_t, kBufferSize>, kBatch> buffers_{};
  std::array<PeerAddress, kBatch> sources_{};
  std::array<iovec, kBatch> receiveIov_{};
  std::array<mmsghdr, kBatch> receive_{};
  std::array<iovec, kBatch> sendIov_{};
  std::array<mmsghdr, kBatch> send_{};
  int pending_ = 0;
  MediaStream* pendingOut_ = nullptr;
  std::uint64_t relayedPackets_ = 0;
  std::uint64_t relayedErrors_ = 0;
};

}  // namespace rtcgate::media
