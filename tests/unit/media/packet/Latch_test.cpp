#include "media/packet/Latch.hpp"

#include <gtest/gtest.h>

namespace rtcgate::media {
namespace {

PeerAddress at(const char* host, std::uint16_t port) {
  return PeerAddress::from(*SocketAddress::parse(host, port));
}

Latch::Packet rtp(std::uint32_t ssrc, bool acceptable = true) {
  return {acceptable, false, true, ssrc};
}

const Latch::Packet kRtcp{true, false, false, 0};
const Clock::time_point t0 = Clock::time_point{} + std::chrono::hours(1);
constexpr Duration kDelay{1000};

Latch expecting(const PeerAddress& peer, Latch::Policy policy = {false, false, kDelay}) {
  Latch latch;
  latch.expect(peer, policy, t0);
  return latch;
}

TEST(Latch, APeerOnAnotherHostIsLearnedOnceTheSdpAddressStayedSilent) {
  Latch latch = expecting(at("10.0.0.1", 4000));
  EXPECT_FALSE(latch.confirmed());
  // Behind a NAT that rewrites the address: not before the learning delay...
  EXPECT_EQ(latch.onPacket(at("203.0.113.5", 61000), rtp(111), t0 + Duration(10)),
            Latch::Verdict::Reject);
  EXPECT_EQ(latch.peer(), at("10.0.0.1", 4000));  // media still goes to the SDP address
  // ...then the first good packet teaches the real address.
  EXPECT_EQ(latch.onPacket(at("203.0.113.5", 61000), rtp(111), t0 + kDelay),
            Latch::Verdict::Learned);
  EXPECT_TRUE(latch.confirmed());
  EXPECT_EQ(latch.peer(), at("203.0.113.5", 61000));
  EXPECT_EQ(latch.advertised(), at("10.0.0.1", 4000));
  EXPECT_EQ(latch.onPacket(at("203.0.113.5", 61000), rtp(111), t0 + kDelay),
            Latch::Verdict::Accept);
}

TEST(Latch, AStrangerBeforeTheRealPeerNeverDivertsThePort) {
  Latch latch = expecting(at("192.0.2.10", 4000));
  EXPECT_EQ(latch.onPacket(at("198.51.100.9", 5000), rtp(999), t0), Latch::Verdict::Reject);
  EXPECT_EQ(latch.onPacket(at("198.51.100.9", 5000), kRtcp, t0), Latch::Verdict::Reject);
  EXPECT_EQ(latch.onPacket(at("192.0.2.10", 4000), rtp(111), t0 + Duration(50)),
            Latch::Verdict::Accept);
  EXPECT_TRUE(latch.confirmed());
  // The real peer spoke: the stranger is refused from now on, also after the delay.
  EXPECT_EQ(latch.onPacket(at("198.51.100.9", 5000), rtp(999), t0 + kDelay * 2),
            Latch::Verdict::Reject);
  EXPECT_EQ(latch.peer(), at("192.0.2.10", 4000));
}

TEST(Latch, TheSdpAddressTakesThePortBackFromALearnedOne) {
  Latch latch = expecting(at("192.0.2.10", 4000));
  // A stranger kept spraying until the delay passed and was learned...
  ASSERT_EQ(latch.onPacket(at("198.51.100.9", 5000), rtp(999), t0 + kDelay),
            Latch::Verdict::Learned);
  // ...the SDP's own address and port speaks: it is the peer.
  EXPECT_EQ(latch.onPacket(at("192.0.2.10", 4000), rtp(111), t0 + kDelay * 2),
            Latch::Verdict::Learned);
  EXPECT_EQ(latch.onPacket(at("198.51.100.9", 5000), rtp(999), t0 + kDelay * 2),
            Latch::Verdict::Reject);
}

TEST(Latch, TheSdpHostOnAnotherPortIsLearnedAtOnce) {
  // A NAT that keeps the address but not the port (or a phone that sends from another port).
  Latch latch = expecting(at("192.0.2.10", 4000));
  EXPECT_EQ(latch.onPacket(at("192.0.2.10", 4002), rtp(111), t0), Latch::Verdict::Learned);
  EXPECT_EQ(latch.peer(), at("192.0.2.10", 4002));
}

TEST(Latch, AuthenticatedSrtpIsLearnedWithoutTheWait) {
  Latch latch = expecting(at("10.0.0.1", 4000));
  EXPECT_EQ(latch.onPacket(at("203.0.113.5", 61000), {true, true, true, 7}, t0),
            Latch::Verdict::Learned);
}

TEST(Latch, TheAnswerRestartsTheWaitOfAPortStillLearning) {
  Latch latch = expecting(at("10.0.0.1", 4000));
  latch.restartLearning(t0 + Duration(5000));  // the callee answered after ringing
  EXPECT_EQ(latch.onPacket(at("203.0.113.5", 61000), rtp(1), t0 + Duration(5500)),
            Latch::Verdict::Reject);
  EXPECT_EQ(latch.onPacket(at("203.0.113.5", 61000), rtp(1), t0 + Duration(6000)),
            Latch::Verdict::Learned);
}

TEST(Latch, WithoutAnSdpAddressTheFirstGoodPacketIsLearned) {
  Latch latch = expecting(at("0.0.0.0", 4000));
  EXPECT_EQ(latch.onPacket(at("203.0.113.5", 61000), rtp(1), t0), Latch::Verdict::Learned);
  EXPECT_EQ(latch.onPacket(at("198.51.100.9", 5000), rtp(2), t0), Latch::Verdict::Reject);
}

TEST(Latch, StrangersCannotHijackALatchedPort) {
  Latch latch = expecting(at("10.0.0.1", 4000));
  latch.onPacket(at("10.0.0.1", 4000), rtp(111), t0);
  EXPECT_EQ(latch.onPacket(at("198.51.100.9", 5000), rtp(999), t0 + kDelay),
            Latch::Verdict::Reject);
  EXPECT_EQ(latch.onPacket(at("198.51.100.9", 5000), kRtcp, t0 + kDelay), Latch::Verdict::Reject);
  EXPECT_EQ(latch.peer(), at("10.0.0.1", 4000));
}

TEST(Latch, SameSsrcFromANewAddressIsANatRebinding) {
  Latch latch = expecting(at("10.0.0.1", 4000));
  latch.onPacket(at("203.0.113.5", 61000), rtp(111), t0 + kDelay);
  EXPECT_EQ(latch.onPacket(at("203.0.113.5", 61002), rtp(111), t0 + kDelay),
            Latch::Verdict::Learned);
  EXPECT_EQ(latch.peer(), at("203.0.113.5", 61002));
}

TEST(Latch, UnacceptablePacketsNeverLatch) {
  Latch latch = expecting(at("10.0.0.1", 4000));
  // Wrong payload type (or not RTP at all) before the first good packet: refused, still open.
  EXPECT_EQ(latch.onPacket(at("198.51.100.9", 5000), rtp(1, false), t0 + kDelay),
            Latch::Verdict::Reject);
  EXPECT_FALSE(latch.confirmed());
  // The SDP address itself is trusted even with an unlisted payload type.
  EXPECT_EQ(latch.onPacket(at("10.0.0.1", 4000), rtp(7, false), t0), Latch::Verdict::Accept);
  EXPECT_TRUE(latch.confirmed());
}

TEST(Latch, NewSdpUnlocksLearning) {
  Latch latch = expecting(at("10.0.0.1", 4000));
  latch.onPacket(at("10.0.0.1", 4000), rtp(1), t0);
  latch.expect(at("10.0.0.2", 4002), {}, t0);
  EXPECT_EQ(latch.onPacket(at("10.0.0.3", 4004), rtp(2), t0), Latch::Verdict::Learned);
}

TEST(Latch, ARefreshOfTheSameSdpKeepsSendingToTheLearnedPeer) {
  Latch latch = expecting(at("10.0.0.1", 4000));
  latch.onPacket(at("203.0.113.5", 61000), rtp(1), t0 + kDelay);
  latch.expect(at("10.0.0.1", 4000), {false, false, kDelay}, t0 + kDelay * 5);
  EXPECT_EQ(latch.peer(), at("203.0.113.5", 61000));
  EXPECT_EQ(latch.onPacket(at("203.0.113.5", 61000), rtp(1), t0 + kDelay * 5),
            Latch::Verdict::Accept);
  EXPECT_TRUE(latch.confirmed());
}

TEST(Latch, APortLockedByIceMovesOnlyByIce) {
  Latch latch = expecting(at("10.0.0.1", 4000));
  latch.lockTo(at("203.0.113.5", 61000), true);
  latch.onPacket(at("203.0.113.5", 61000), {true, true, true, 42}, t0);
  // Not its SSRC from elsewhere (a replayed SRTP packet), nor the SDP address itself.
  EXPECT_EQ(latch.onPacket(at("198.51.100.9", 5000), {true, true, true, 42}, t0 + kDelay),
            Latch::Verdict::Reject);
  EXPECT_EQ(latch.onPacket(at("10.0.0.1", 4000), {true, true, true, 42}, t0 + kDelay),
            Latch::Verdict::Reject);
  EXPECT_EQ(latch.peer(), at("203.0.113.5", 61000));
}

TEST(Latch, AsymmetricNeverLearnsAndMediaHandoverAlwaysDoes) {
  Latch asymmetric = expecting(at("10.0.0.1", 4000), {true, false, kDelay});
  EXPECT_EQ(asymmetric.onPacket(at("10.9.9.9", 1), rtp(1), t0), Latch::Verdict::Accept);
  EXPECT_EQ(asymmetric.peer(), at("10.0.0.1", 4000));
  Latch handover = expecting(at("10.0.0.1", 4000), {false, true, kDelay});
  handover.onPacket(at("10.0.0.1", 4000), rtp(1), t0);
  EXPECT_EQ(handover.onPacket(at("10.0.0.9", 4000), rtp(2), t0), Latch::Verdict::Learned);
}

}  // namespace
}  // namespace rtcgate::media
