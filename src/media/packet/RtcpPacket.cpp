#include "media/packet/RtcpPacket.hpp"

namespace rtcgate::media {
namespace {

constexpr std::uint8_t kSenderReport = 200;
constexpr std::uint8_t kReceiverReport = 201;
constexpr std::size_t kHeaderSize = 4;
constexpr std::size_t kSenderInfoSize = 20;  // NTP (8), RTP timestamp, packet and octet counts
constexpr std::size_t kBlockSize = 24;

std::uint32_t read32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         p[3];
}

RtcpReportBlock readBlock(const std::uint8_t* p) {
  RtcpReportBlock block;
  block.ssrc = read32(p);
  block.fractionLost = p[4];
  // Sign-extend the 24-bit count: a reporter may count duplicates as negative loss.
  const std::uint32_t lost = read32(p + 4) & 0xffffff;
  block.cumulativeLost = static_cast<std::int32_t>(lost << 8) >> 8;
  block.highestSequence = read32(p + 8);
  block.jitter = read32(p + 12);
  block.lastSenderReport = read32(p + 16);
  block.delaySinceLastSr = read32(p + 20);
  return block;
}

// One SR or RR packet's body (after the 4-byte header), `count` report blocks.
bool readReport(const std::uint8_t* body, std::size_t size, bool sender, std::size_t count,
                RtcpSummary& summary) {
  const std::size_t fixed = 4 + (sender ? kSenderInfoSize : 0);
  if (size < fixed + count * kBlockSize) return false;
  if (summary.senderSsrc == 0) summary.senderSsrc = read32(body);
  if (sender && !summary.hasSenderReport) {
    summary.hasSenderReport = true;
    summary.ntpMiddle = (read32(body + 4) << 16) | (read32(body + 8) >> 16);
  }
  for (std::size_t i = 0; i < count && summary.blockCount < RtcpSummary::kMaxBlocks; ++i) {
    summary.blocks[summary.blockCount++] = readBlock(body + fixed + i * kBlockSize);
  }
  return true;
}

}  // namespace

bool parseRtcp(const std::uint8_t* data, std::size_t length, RtcpSummary& summary) {
  summary = RtcpSummary{};
  bool found = false;
  while (length >= kHeaderSize && (data[0] >> 6) == 2) {
    const std::size_t size = (std::size_t{data[2]} << 8 | data[3]) * 4 + kHeaderSize;
    if (size > length) break;
    const std::uint8_t type = data[1];
    if (type == kSenderReport || type == kReceiverReport) {
      if (!readReport(data + kHeaderSize, size - kHeaderSize, type == kSenderReport, data[0] & 0x1f,
                      summary)) {
        break;
      }
      found = true;
    }
    data += size;
    length -= size;
  }
  return found;
}

}  // namespace rtcgate::media
