#pragma once

#include <cstddef>
#include <cstdint>

#include "media/packet/PeerAddress.hpp"

namespace rtcgate::media {

// One received datagram in its receive buffer, as the packet path works on it: rewritten in place
// (SRTP) within `capacity`, the room from `data` to the buffer's end.
struct Datagram {
  std::uint8_t* data = nullptr;
  std::size_t length = 0;
  std::size_t capacity = 0;
  PeerAddress source;
  bool truncated = false;
  std::uint16_t buffer = 0;  // which of the DatagramRing's buffers holds it (io_uring path only)
};

}  // namespace rtcgate::media
