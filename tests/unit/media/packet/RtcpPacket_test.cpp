#include "media/packet/RtcpPacket.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "media/packet/RtcpStats.hpp"

namespace rtcgate::media {
namespace {

void put32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

void putBlock(std::vector<std::uint8_t>& out, std::uint32_t ssrc, std::uint8_t fraction,
              std::int32_t lost, std::uint32_t jitter, std::uint32_t lsr, std::uint32_t dlsr) {
  put32(out, ssrc);
  put32(out, (std::uint32_t{fraction} << 24) | (static_cast<std::uint32_t>(lost) & 0xffffff));
  put32(out, 0x00010203);  // extended highest sequence
  put32(out, jitter);
  put32(out, lsr);
  put32(out, dlsr);
}

// SR from 0x1111 with NTP 0xAAAABBBB.CCCCDDDD and one block, then an SDES to be skipped.
std::vector<std::uint8_t> senderReport() {
  std::vector<std::uint8_t> p = {0x81, 200, 0, 12};
  put32(p, 0x1111);
  put32(p, 0xAAAABBBB);
  put32(p, 0xCCCCDDDD);
  put32(p, 160);   // RTP timestamp
  put32(p, 50);    // packets
  put32(p, 8000);  // octets
  putBlock(p, 0x2222, 64, 5, 80, 0x12345678, 0x00010000);
  const std::vector<std::uint8_t> sdes = {0x81, 202, 0, 2, 0, 0, 0x11, 0x11, 0, 0, 0, 0};
  p.insert(p.end(), sdes.begin(), sdes.end());
  return p;
}

TEST(RtcpPacket, ReadsTheSenderReportAndItsBlock) {
  const auto packet = senderReport();
  RtcpSummary summary;
  ASSERT_TRUE(parseRtcp(packet.data(), packet.size(), summary));
  EXPECT_TRUE(summary.hasSenderReport);
  EXPECT_EQ(summary.senderSsrc, 0x1111u);
  EXPECT_EQ(summary.ntpMiddle, 0xBBBBCCCCu);
  ASSERT_EQ(summary.blockCount, 1u);
  EXPECT_EQ(summary.blocks[0].ssrc, 0x2222u);
  EXPECT_EQ(summary.blocks[0].fractionLost, 64);
  EXPECT_EQ(summary.blocks[0].cumulativeLost, 5);
  EXPECT_EQ(summary.blocks[0].jitter, 80u);
  EXPECT_EQ(summary.blocks[0].lastSenderReport, 0x12345678u);
  EXPECT_EQ(summary.blocks[0].delaySinceLastSr, 0x00010000u);
}

TEST(RtcpPacket, NegativeCumulativeLossIsSignExtended) {
  std::vector<std::uint8_t> p = {0x81, 201, 0, 7};
  put32(p, 0x3333);
  putBlock(p, 0x4444, 0, -3, 0, 0, 0);
  RtcpSummary summary;
  ASSERT_TRUE(parseRtcp(p.data(), p.size(), summary));
  EXPECT_FALSE(summary.hasSenderReport);
  EXPECT_EQ(summary.blocks[0].cumulativeLost, -3);
}

TEST(RtcpPacket, RejectsTruncatedAndForeignPackets) {
  auto packet = senderReport();
  RtcpSummary summary;
  // A block count larger than the packet's length holds.
  packet[0] = 0x82;
  EXPECT_FALSE(parseRtcp(packet.data(), packet.size(), summary));
  packet = senderReport();
  EXPECT_FALSE(parseRtcp(packet.data(), 30, summary)) << "length beyond the datagram";
  const std::vector<std::uint8_t> bye = {0x81, 203, 0, 1, 0, 0, 0x11, 0x11};
  EXPECT_FALSE(parseRtcp(bye.data(), bye.size(), summary)) << "no SR or RR in it";
  EXPECT_EQ(summary.blockCount, 0u);
}

TEST(RtcpStats, RoundTripFromTheEchoOfAForwardedSenderReport) {
  RtcpStats stats;
  const Clock::time_point forwarded{std::chrono::seconds(100)};
  stats.noteForwardedSenderReport(0xBBBBCCCC, forwarded);
  stats.noteForwardedSenderReport(0x01020304, forwarded + std::chrono::seconds(1));
  RtcpSummary report;
  report.blockCount = 1;
  report.blocks[0].lastSenderReport = 0xBBBBCCCC;
  report.blocks[0].delaySinceLastSr = 0x8000;  // held 0.5 s
  report.blocks[0].fractionLost = 26;
  // Back 530 ms after we forwarded it: 30 ms on the wire there and back.
  stats.onReports(report, forwarded + std::chrono::milliseconds(530));
  EXPECT_EQ(stats.reports(), 1u);
  EXPECT_EQ(stats.roundTripMicros(), 30000u);
  EXPECT_EQ(stats.lastBlock().fractionLost, 26);
}

TEST(RtcpStats, NoRoundTripForAnUnknownOrImpossibleEcho) {
  RtcpStats stats;
  const Clock::time_point forwarded{std::chrono::seconds(100)};
  stats.noteForwardedSenderReport(0xBBBBCCCC, forwarded);
  RtcpSummary report;
  report.blockCount = 1;
  report.blocks[0].lastSenderReport = 0x99999999;  // an SR that did not pass here
  stats.onReports(report, forwarded + std::chrono::milliseconds(40));
  EXPECT_EQ(stats.roundTripMicros(), 0u);
  report.blocks[0].lastSenderReport = 0xBBBBCCCC;
  report.blocks[0].delaySinceLastSr = 0x10000;  // held 1 s, but only 40 ms went by
  stats.onReports(report, forwarded + std::chrono::milliseconds(40));
  EXPECT_EQ(stats.roundTripMicros(), 0u);
  EXPECT_EQ(stats.reports(), 2u);
}

}  // namespace
}  // namespace rtcgate::media
