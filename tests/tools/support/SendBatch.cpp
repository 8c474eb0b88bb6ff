#include "support/SendBatch.hpp"

#include <unistd.h>

namespace rtcgate::tools {

SendBatch::SendBatch(int fd, std::size_t capacity)
    : fd_(fd),
      buffers_(capacity * kPacketCapacity),
      addresses_(capacity),
      iov_(capacity),
      messages_(capacity) {
  for (std::size_t i = 0; i < capacity; ++i) {
    iov_[i].iov_base = &buffers_[i * kPacketCapacity];
    messages_[i] = {};
    messages_[i].msg_hdr.msg_iov = &iov_[i];
    messages_[i].msg_hdr.msg_iovlen = 1;
    messages_[i].msg_hdr.msg_name = &addresses_[i];
    messages_[i].msg_hdr.msg_namelen = sizeof(sockaddr_in);
  }
}

std::uint8_t* SendBatch::next() {
  if (count_ == messages_.size()) flush();
  return &buffers_[count_ * kPacketCapacity];
}

void SendBatch::push(std::size_t length, const sockaddr_in& to) {
  iov_[count_].iov_len = length;
  addresses_[count_] = to;
  ++count_;
}

std::size_t SendBatch::flush() {
  const std::size_t sent = count_;
  sendAllMessages(fd_, messages_.data(), static_cast<int>(count_));
  count_ = 0;
  return sent;
}

void sendAllMessages(int fd, mmsghdr* messages, int count) {
  int done = 0;
  while (done < count) {
    const int n = sendmmsg(fd, messages + done, static_cast<unsigned>(count - done), 0);
    if (n <= 0) {
      usleep(100);
      continue;
    }
    done += n;
  }
}

}  // namespace rtcgate::tools
