#pragma once

// An RTP packet (version 2, no CSRC, no extension) for the media tests to send or feed.
#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

namespace rtcgate::media::test {

inline std::vector<std::uint8_t> rtpTestPacket(std::uint8_t payloadType, std::uint16_t sequence,
                                               std::uint32_t timestamp, std::uint32_t ssrc,
                                               std::span<const std::uint8_t> payload) {
  std::vector<std::uint8_t> packet(12 + payload.size());
  packet[0] = 0x80;
  packet[1] = payloadType;
  packet[2] = static_cast<std::uint8_t>(sequence >> 8);
  packet[3] = static_cast<std::uint8_t>(sequence);
  for (int i = 0; i < 4; ++i) {
    packet[4 + i] = static_cast<std::uint8_t>(timestamp >> (24 - 8 * i));
    packet[8 + i] = static_cast<std::uint8_t>(ssrc >> (24 - 8 * i));
  }
  std::copy(payload.begin(), payload.end(), packet.begin() + 12);
  return packet;
}

}  // namespace rtcgate::media::test
