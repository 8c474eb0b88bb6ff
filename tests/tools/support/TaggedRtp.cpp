#include "support/TaggedRtp.hpp"

#include <cstring>

namespace rtcgate::tools {
namespace {

void put32(std::uint8_t* p, std::uint32_t value) {
  p[0] = static_cast<std::uint8_t>(value >> 24);
  p[1] = static_cast<std::uint8_t>(value >> 16);
  p[2] = static_cast<std::uint8_t>(value >> 8);
  p[3] = static_cast<std::uint8_t>(value);
}

std::uint32_t get32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         p[3];
}

}  // namespace

std::size_t writeTaggedRtp(std::uint8_t* packet, std::uint16_t sequence, std::uint32_t timestamp,
                           std::uint32_t ssrc, const RtpTag& tag, std::size_t payload) {
  if (payload < RtpTag::kSize) payload = RtpTag::kSize;
  packet[0] = 0x80;
  packet[1] = 0;
  packet[2] = static_cast<std::uint8_t>(sequence >> 8);
  packet[3] = static_cast<std::uint8_t>(sequence);
  put32(packet + 4, timestamp);
  put32(packet + 8, ssrc);
  put32(packet + 12, tag.stream);
  put32(packet + 16, tag.serial);
  put32(packet + 20, tag.sequence);
  std::memset(packet + 12 + RtpTag::kSize, 0xff, payload - RtpTag::kSize);
  return 12 + payload;
}

std::optional<RtpTag> readRtpTag(const std::uint8_t* packet, std::size_t length) {
  if (length < 12 || (packet[0] & 0xc0) != 0x80) return std::nullopt;
  const std::uint8_t type = packet[1] & 0x7f;
  if (type >= 64 && type <= 95) return std::nullopt;  // RTCP multiplexed on the port
  std::size_t offset = 12 + 4 * std::size_t{packet[0] & 0x0fu};
  if ((packet[0] & 0x10) != 0) {  // header extension: 4-byte header, then length words
    if (length < offset + 4) return std::nullopt;
    offset += 4 + 4 * ((std::size_t{packet[offset + 2]} << 8) | packet[offset + 3]);
  }
  if (length < offset + RtpTag::kSize) return std::nullopt;
  return RtpTag{get32(packet + offset), get32(packet + offset + 4), get32(packet + offset + 8)};
}

}  // namespace rtcgate::tools
