#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace rtcgate::tools {

// RTP whose payload names where it belongs, so a load peer can attribute every packet a relay
// hands back to the call (and direction) it was sent into, and tell a packet of an earlier call
// that used the same slot from one of the current call. Payload layout, big-endian: stream (the
// sender's index for the call), serial (which call held that index), sequence (a per-direction
// counter), then PCMU silence (0xff) up to the payload size.
struct RtpTag {
  std::uint32_t stream = 0;
  std::uint32_t serial = 0;
  std::uint32_t sequence = 0;

  static constexpr std::size_t kSize = 12;  // the smallest payload that carries a tag
};

// Writes a 12-byte RTP header (version 2, PCMU payload type 0, no CSRC) and `payload` bytes
// (at least RtpTag::kSize) starting with the tag; returns the packet length.
std::size_t writeTaggedRtp(std::uint8_t* packet, std::uint16_t sequence, std::uint32_t timestamp,
                           std::uint32_t ssrc, const RtpTag& tag, std::size_t payload);

// The tag of a received RTP packet (CSRCs and a header extension skipped); nullopt for anything
// else, RTCP included (RFC 5761 payload types 64-95 with the marker bit).
std::optional<RtpTag> readRtpTag(const std::uint8_t* packet, std::size_t length);

}  // namespace rtcgate::tools
