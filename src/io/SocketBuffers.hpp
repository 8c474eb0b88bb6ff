#pragma once

#include <cstddef>
#include <cstdint>

namespace rtcgate::io {

// The kernel's receive and send buffers of one socket. A SIP UDP socket at a few thousand
// datagrams a second overflows the default (net.core.rmem_default, 208 KiB, charged per datagram
// at about 2 KiB on loopback, so about 100 datagrams) on any scheduling hiccup, and every
// datagram lost there costs a retransmission 500 ms later. SO_RCVBUFFORCE/SO_SNDBUFFORCE go past
// net.core.rmem_max/wmem_max when the process has CAP_NET_ADMIN; otherwise the kernel caps the
// size at those limits, which `actual` then reports.
struct SocketBuffers {
  std::size_t receive = 0;  // bytes as asked for (the kernel doubles them for its bookkeeping)
  std::size_t send = 0;

  // Sets both on `fd` and returns what the kernel granted, in the same units as asked.
  static SocketBuffers apply(int fd, SocketBuffers wanted);
  static SocketBuffers actual(int fd);
  // Datagrams the kernel dropped because this socket's receive buffer was full (SO_MEMINFO).
  static std::uint64_t drops(int fd);
};

}  // namespace rtcgate::io
