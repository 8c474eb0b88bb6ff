#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace rtcgate::tools {

// Datagrams built in place and sent with one sendmmsg per full batch, for the load tools' sender
// threads: every buffer, iovec and address is allocated once here, so sending allocates nothing.
class SendBatch {
 public:
  static constexpr std::size_t kPacketCapacity = 2048;

  SendBatch(int fd, std::size_t capacity = 64);
  SendBatch(const SendBatch&) = delete;
  SendBatch& operator=(const SendBatch&) = delete;

  // The buffer of the next datagram (kPacketCapacity bytes); flushes first when the batch is full.
  std::uint8_t* next();
  // Queues the buffer next() returned, `length` bytes, to `to`.
  void push(std::size_t length, const sockaddr_in& to);
  // Sends what is queued (waiting while the socket buffer is full); returns how many went out.
  std::size_t flush();

 private:
  int fd_;
  std::size_t count_ = 0;
  std::vector<std::uint8_t> buffers_;
  std::vector<sockaddr_in> addresses_;
  std::vector<iovec> iov_;
  std::vector<mmsghdr> messages_;
};

// sendmmsg until all `count` messages are out, sleeping briefly while the socket is full (a load
// peer must not drop its own packets: loss is what it measures).
void sendAllMessages(int fd, mmsghdr* messages, int count);

}  // namespace rtcgate::tools
