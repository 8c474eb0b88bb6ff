#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace rtcgate::media {

// One reception report block (RFC 3550 §6.4.1): how the reporter receives the stream `ssrc`.
struct RtcpReportBlock {
  std::uint32_t ssrc = 0;
  std::uint8_t fractionLost = 0;    // of the last interval, in 1/256
  std::int32_t cumulativeLost = 0;  // 24-bit signed on the wire
  std::uint32_t highestSequence = 0;
  std::uint32_t jitter = 0;            // interarrival jitter, RTP timestamp units
  std::uint32_t lastSenderReport = 0;  // LSR: middle 32 bits of the NTP time of the last SR
  std::uint32_t delaySinceLastSr = 0;  // DLSR, in 1/65536 s
};

// What the relay reads from one (compound) RTCP packet: the sender report, if any, and the first
// report blocks of its SR and RR packets. Parsed in place, fixed size: it runs on the packet path.
struct RtcpSummary {
  static constexpr std::size_t kMaxBlocks = 4;

  bool hasSenderReport = false;
  std::uint32_t senderSsrc = 0;  // of the first SR or RR
  std::uint32_t ntpMiddle = 0;   // the SR's NTP timestamp, middle 32 bits (what LSR echoes)
  std::array<RtcpReportBlock, kMaxBlocks> blocks{};
  std::size_t blockCount = 0;
};

// Reads the SR and RR packets of a compound RTCP packet (RFC 3550 §6.4), skipping the other types;
// stops at the first packet whose header or length does not fit. False when no SR or RR was found.
bool parseRtcp(const std::uint8_t* data, std::size_t length, RtcpSummary& summary);

}  // namespace rtcgate::media
