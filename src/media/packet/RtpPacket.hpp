#pragma once

#include <cstddef>
#include <cstdint>

namespace rtcgate::media {

// The fixed RTP header fields the relay looks at (RFC 3550 §5.1), read in place.
struct RtpHeader {
  std::uint8_t payloadType = 0;
  std::uint16_t sequence = 0;
  std::uint32_t timestamp = 0;
  std::uint32_t ssrc = 0;
};

// RFC 5761 §4: on a muxed port, second byte 192-223 (RTCP packet types 192-223) is RTCP.
inline bool looksLikeRtcp(const std::uint8_t* data, std::size_t length) {
  return length >= 8 && (data[0] >> 6) == 2 && data[1] >= 192 && data[1] <= 223;
}

// False when the bytes cannot be an RTP packet (too short or not version 2).
inline bool parseRtpHeader(const std::uint8_t* data, std::size_t length, RtpHeader& header) {
  if (length < 12 || (data[0] >> 6) != 2) return false;
  header.payloadType = data[1] & 0x7f;
  header.sequence = static_cast<std::uint16_t>((data[2] << 8) | data[3]);
  header.timestamp = (std::uint32_t{data[4]} << 24) | (std::uint32_t{data[5]} << 16) |
                     (std::uint32_t{data[6]} << 8) | data[7];
  header.ssrc = (std::uint32_t{data[8]} << 24) | (std::uint32_t{data[9]} << 16) |
                (std::uint32_t{data[10]} << 8) | data[11];
  return true;
}

// Where an RTP packet's payload starts (after the CSRCs and a header extension) and how long it is
// (without padding); false when the header's counts do not fit in `length`.
inline bool rtpPayload(const std::uint8_t* data, std::size_t length, std::size_t& offset,
                       std::size_t& payloadLength) {
  if (length < 12) return false;
  offset = 12 + 4 * std::size_t{data[0] & 0x0fu};
  if ((data[0] & 0x10) != 0) {  // extension: 4-byte header, then its length in 32-bit words
    if (length < offset + 4) return false;
    offset += 4 + 4 * ((std::size_t{data[offset + 2]} << 8) | data[offset + 3]);
  }
  std::size_t padding = 0;
  if ((data[0] & 0x20) != 0) padding = data[length - 1];
  if (length < offset + padding) return false;
  payloadLength = length - offset - padding;
  return true;
}

}  // namespace rtcgate::media
