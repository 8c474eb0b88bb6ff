// BUNDLE demultiplexing tables: SSRC from the SDP, MID header extension (both RFC 8285 forms),
// payload type, RTCP by sender or reported SSRC.
#include "media/packet/BundleDemux.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "media/packet/MediaStream.hpp"

namespace rtcgate::media {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes rtp(std::uint8_t payloadType, std::uint32_t ssrc, const Bytes& extension = {}) {
  Bytes packet = {0x80, payloadType, 0, 1, 0, 0, 0, 0};
  for (int i = 0; i < 4; ++i) packet.push_back(static_cast<std::uint8_t>(ssrc >> (24 - 8 * i)));
  if (!extension.empty()) {
    packet[0] |= 0x10;
    packet.insert(packet.end(), extension.begin(), extension.end());
  }
  packet.resize(packet.size() + 20, 0x11);
  return packet;
}

MediaStream* demuxRtp(BundleDemux& demux, const Bytes& packet) {
  RtpHeader header;
  EXPECT_TRUE(parseRtpHeader(packet.data(), packet.size(), header));
  return demux.forRtp(packet.data(), packet.size(), header);
}

class BundleDemuxTest : public ::testing::Test {
 protected:
  BundleDemuxTest() {
    demux_.addMember(audio_, "0");
    demux_.addMember(video_, "video");
    demux_.addPayloadType(0, audio_);
    demux_.addPayloadType(96, video_);
  }
  // Only compared as addresses: the demux never touches the streams.
  MediaStream* audio_ = reinterpret_cast<MediaStream*>(0x1000);
  MediaStream* video_ = reinterpret_cast<MediaStream*>(0x2000);
  BundleDemux demux_;
};

TEST_F(BundleDemuxTest, SsrcFromTheSdpWinsOverPayloadType) {
  demux_.addSsrc(7, video_);
  EXPECT_EQ(demuxRtp(demux_, rtp(0, 7)), video_);
  EXPECT_EQ(demuxRtp(demux_, rtp(0, 8)), audio_);
  EXPECT_EQ(demuxRtp(demux_, rtp(100, 9)), nullptr);  // unknown SSRC and payload type
}

TEST_F(BundleDemuxTest, MidOneByteExtensionIsLearnedPerSsrc) {
  demux_.setMidExtension(3);
  // Padding, another element (id 1, 2 bytes), then MID "video" (id 3, 5 bytes), padded to 12.
  const Bytes extension = {0xBE, 0xDE, 0,   3,   0,   0x11, 0xAA, 0xBB,
                           0x34, 'v',  'i', 'd', 'e', 'o',  0,    0};
  EXPECT_EQ(demuxRtp(demux_, rtp(0, 42, extension)), video_);
  EXPECT_EQ(demuxRtp(demux_, rtp(0, 42)), video_);  // no extension any more: learned
}

TEST_F(BundleDemuxTest, MidTwoByteExtension) {
  demux_.setMidExtension(20);
  const Bytes extension = {0x10, 0x00, 0, 1, 20, 1, '0', 0};
  EXPECT_EQ(demuxRtp(demux_, rtp(96, 43, extension)), audio_);
}

TEST_F(BundleDemuxTest, MalformedOrUnknownMidFallsBackToPayloadType) {
  demux_.setMidExtension(3);
  const Bytes unknownMid = {0xBE, 0xDE, 0, 1, 0x30, 'x', 0, 0};
  EXPECT_EQ(demuxRtp(demux_, rtp(96, 44, unknownMid)), video_);
  const Bytes overlong = {0xBE, 0xDE, 0, 9, 0x34, 'v', 'i', 'd'};  // length past the packet
  Bytes packet = rtp(0, 45, overlong);
  packet.resize(12 + overlong.size());
  EXPECT_EQ(demuxRtp(demux_, packet), audio_);
}

TEST_F(BundleDemuxTest, RtcpBySenderThenByReportedSsrcThenFirstLine) {
  demux_.addSsrc(0xB2, video_);
  demux_.noteOutbound(0x52, video_);
  Bytes senderKnown = {0x80, 201, 0, 1, 0, 0, 0, 0xB2};
  EXPECT_EQ(demux_.forRtcp(senderKnown.data(), senderKnown.size()), video_);
  Bytes reportAboutOurs = {0x81, 201, 0, 7, 0, 0, 0, 0x99, 0, 0, 0, 0x52};
  reportAboutOurs.resize(32, 0);
  EXPECT_EQ(demux_.forRtcp(reportAboutOurs.data(), reportAboutOurs.size()), video_);
  Bytes feedback = {0x81, 206, 0, 2, 0, 0, 0, 0x98, 0, 0, 0, 0x52};  // PLI about 0x52
  EXPECT_EQ(demux_.forRtcp(feedback.data(), feedback.size()), video_);
  Bytes unknown = {0x80, 201, 0, 1, 0, 0, 0, 0x77};
  EXPECT_EQ(demux_.forRtcp(unknown.data(), unknown.size()), audio_);
}

TEST_F(BundleDemuxTest, FullSsrcTableEvictsOldestLearned) {
  for (std::uint32_t ssrc = 1000; ssrc < 1000 + BundleDemux::kMaxSsrcs + 4; ++ssrc) {
    EXPECT_EQ(demuxRtp(demux_, rtp(96, ssrc)), video_);
  }
  demux_.addSsrc(5, audio_);
  EXPECT_EQ(demuxRtp(demux_, rtp(96, 5)), audio_);
}

TEST_F(BundleDemuxTest, MembersAreBounded) {
  BundleDemux demux;
  for (std::size_t i = 0; i < BundleDemux::kMaxMembers; ++i)
    EXPECT_TRUE(demux.addMember(audio_, "m"));
  EXPECT_FALSE(demux.addMember(audio_, "m"));
  EXPECT_FALSE(BundleDemux().addMember(audio_, std::string(BundleDemux::kMaxMid + 1, 'x')));
}

}  // namespace
}  // namespace rtcgate::media
