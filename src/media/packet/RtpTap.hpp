#pragma once

#include <cstddef>
#include <cstdint>

namespace rtcgate::media {

// Who gets a copy of the plain RTP a stream's party sends (a call recording). Called on the
// worker's thread from the packet path itself, after SRTP unprotect and the latch: it must not
// block, allocate or log. A stream without a tap pays one pointer test.
class RtpTap {
 public:
  virtual ~RtpTap() = default;
  // `micros`: the packet's arrival on the worker loop's clock.
  virtual void onRtp(const std::uint8_t* data, std::size_t length, std::int64_t micros) = 0;
};

}  // namespace rtcgate::media
