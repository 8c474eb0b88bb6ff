#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>

#include "media/EventLoop.hpp"
#include "media/PeerAddress.hpp"
#include "media/SharedCounter.hpp"

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

  // Any thread may read these (the gateway's /metrics does, from the signalling loop).
  std::uint64_t relayedPackets() const { return relayedPackets_.value(); }
  std::uint64_t relayedBytes() const { return relayedBytes_.value(); }
  // sendmmsg refused or could not take them.
  std::uint64_t relayedErrors() const { return relayedErrors_.value(); }
  // Received and not forwarded: truncated, failed SRTP authentication or DTLS, refused by the
  // latch (wrong source or payload type).
  std::uint64_t droppedPackets() const { return droppedPackets_.value(); }

 private:
  int receiveBatch(int fd);
  // Decides where packet `index`, read from `socket`, goes; nullptr = dropped.
  MediaStream* route(MediaStream& socket, int index, std::int64_t micros);
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
  SharedCounter relayedPackets_;
  SharedCounter relayedBytes_;
  SharedCounter relayedErrors_;
  SharedCounter droppedPackets_;
};

}  // namespace rtcgate::media
