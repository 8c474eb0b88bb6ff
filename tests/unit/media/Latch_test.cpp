#include "media/Latch.hpp"

#include <gtest/gtest.h>

namespace rtcgate::media {
namespace {

PeerAddress at(const char* host, std::uint16_t port) {
  return PeerAddress::from(*SocketAddress::parse(host, port));
}

TEST(Latch, LearnsTheRealAddressFromTheFirstGoodPacket) {
  Latch latch;
  latch.expect(at("10.0.0.1", 4000), {});
  EXPECT_FALSE(latch.confirmed());
  EXPECT_EQ(latch.onPacket(at("203.0.113.5", 61000), true, true, 111), Latch::Verdict::Learned);
  EXPECT_TRUE(latch.confirmed());
  EXPECT_EQ(latch.peer(), at("203.0.113.5", 61000));
  EXPECT_EQ(latch.advertised(), at("10.0.0.1", 4000));
  EXPECT_EQ(latch.onPacket(at("203.0.113.5", 61000), true, true, 111), Latch::Verdict::Accept);
}

TEST(Latch, StrangersCannotHijackALatchedPort) {
  Latch latch;
  latch.expect(at("10.0.0.1", 4000), {});
  latch.onPacket(at("10.0.0.1", 4000), true, true, 111);
  EXPECT_EQ(latch.onPacket(at("198.51.100.9", 5000), true, true, 999), Latch::Verdict::Reject);
  EXPECT_EQ(latch.onPacket(at("198.51.100.9", 5000), true, false, 0), Latch::Verdict::Reject);
  EXPECT_EQ(latch.peer(), at("10.0.0.1", 4000));
}

TEST(Latch, SameSsrcFromANewAddressIsANatRebinding) {
  Latch latch;
  latch.expect(at("10.0.0.1", 4000), {});
  latch.onPacket(at("203.0.113.5", 61000), true, true, 111);
  EXPECT_EQ(latch.onPacket(at("203.0.113.5", 61002), true, true, 111), Latch::Verdict::Learned);
  EXPECT_EQ(latch.peer(), at("203.0.113.5", 61002));
}

TEST(Latch, UnacceptablePacketsNeverLatch) {
  Latch latch;
  latch.expect(at("10.0.0.1", 4000), {});
  // Wrong payload type (or not RTP at all) before the first good packet: refused, still open.
  EXPECT_EQ(latch.onPacket(at("198.51.100.9", 5000), false, true, 1), Latch::Verdict::Reject);
  EXPECT_FALSE(latch.confirmed());
  // The SDP address itself is trusted even with an unlisted payload type.
  EXPECT_EQ(latch.onPacket(at("10.0.0.1", 4000), false, true, 7), Latch::Verdict::Accept);
  EXPECT_TRUE(latch.confirmed());
}

TEST(Latch, NewSdpUnlocksLearning) {
  Latch latch;
  latch.expect(at("10.0.0.1", 4000), {});
  latch.onPacket(at("10.0.0.1", 4000), true, true, 1);
  latch.expect(at("10.0.0.2", 4002), {});
  EXPECT_EQ(latch.onPacket(at("10.0.0.3", 4004), true, true, 2), Latch::Verdict::Learned);
}

TEST(Latch, AsymmetricNeverLearnsAndMediaHandoverAlwaysDoes) {
  Latch asymmetric;
  asymmetric.expect(at("10.0.0.1", 4000), {true, false});
  EXPECT_EQ(asymmetric.onPacket(at("10.9.9.9", 1), true, true, 1), Latch::Verdict::Accept);
  EXPECT_EQ(asymmetric.peer(), at("10.0.0.1", 4000));
  Latch handover;
  handover.expect(at("10.0.0.1", 4000), {false, true});
  handover.onPacket(at("10.0.0.1", 4000), true, true, 1);
  EXPECT_EQ(handover.onPacket(at("10.0.0.9", 4000), true, true, 2), Latch::Verdict::Learned);
}

}  // namespace
}  // namespace rtcgate::media
