#pragma once

#include <cstdint>
#include <span>

namespace rtcgate::media {

// The fields of one RTP packet a transcoder reads or writes (the relay parses and builds the
// header itself). `payload` points into the caller's packet or the caller's output storage.
struct RtpFrame {
  std::uint8_t payloadType = 0;
  bool marker = false;
  std::uint16_t sequence = 0;
  std::uint32_t timestamp = 0;
  std::uint32_t ssrc = 0;
  std::span<const std::uint8_t> payload;
};

}  // namespace rtcgate::media
