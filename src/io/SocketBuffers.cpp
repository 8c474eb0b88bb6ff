#include "io/SocketBuffers.hpp"

#include <linux/sock_diag.h>
#include <sys/socket.h>

#include <climits>

namespace rtcgate::io {

namespace {

void setBuffer(int fd, int forceOption, int option, std::size_t bytes) {
  const int value = bytes > INT_MAX / 2 ? INT_MAX / 2 : static_cast<int>(bytes);
  if (setsockopt(fd, SOL_SOCKET, forceOption, &value, sizeof value) == 0) return;
  setsockopt(fd, SOL_SOCKET, option, &value, sizeof value);
}

std::size_t readBuffer(int fd, int option) {
  int value = 0;
  socklen_t length = sizeof value;
  if (getsockopt(fd, SOL_SOCKET, option, &value, &length) != 0 || value < 0) return 0;
  return static_cast<std::size_t>(value) / 2;  // the kernel reports its doubled figure
}

}  // namespace

SocketBuffers SocketBuffers::apply(int fd, SocketBuffers wanted) {
  if (wanted.receive > 0) setBuffer(fd, SO_RCVBUFFORCE, SO_RCVBUF, wanted.receive);
  if (wanted.send > 0) setBuffer(fd, SO_SNDBUFFORCE, SO_SNDBUF, wanted.send);
  return actual(fd);
}

std::uint64_t SocketBuffers::drops(int fd) {
  std::uint32_t info[SK_MEMINFO_VARS] = {};
  socklen_t length = sizeof info;
  if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, info, &length) != 0) return 0;
  if (length < (SK_MEMINFO_DROPS + 1) * sizeof info[0]) return 0;
  return info[SK_MEMINFO_DROPS];
}

SocketBuffers SocketBuffers::actual(int fd) {
  return {readBuffer(fd, SO_RCVBUF), readBuffer(fd, SO_SNDBUF)};
}

}  // namespace rtcgate::io
