// Requests whose top Via branch lacks the RFC 3261 magic cookie are matched by the RFC 2543 rules
// (RFC 3261 17.2.3): Request-URI, To tag, From tag, Call-ID, CSeq, top Via.
#include <gtest/gtest.h>

#include "TransactionTestKit.hpp"

namespace rtcgate::transaction::test {
namespace {

class Rfc2543MatchingTest : public TransactionTest {
 protected:
  Rfc2543MatchingTest() { invite_.via = "SIP/2.0/UDP 192.0.2.10:5070;branch=old-style-1"; }
  RequestSpec invite_;
};

TEST_F(Rfc2543MatchingTest, IdenticalRequestIsARetransmission) {
  layer_->receiveRequest(request(invite_), udpFlow());
  layer_->receiveRequest(request(invite_), udpFlow());
  EXPECT_EQ(user_.count("request"), 1u);
  EXPECT_EQ(sentCount("100"), 2u);
}

TEST_F(Rfc2543MatchingTest, ViaWithoutAnyBranchMatchesToo) {
  invite_.via = "SIP/2.0/UDP 192.0.2.10:5070";
  layer_->receiveRequest(request(invite_), udpFlow());
  layer_->receiveRequest(request(invite_), udpFlow());
  EXPECT_EQ(user_.count("request"), 1u);
}

TEST_F(Rfc2543MatchingTest, AnyDifferingFieldMakesANewTransaction) {
  layer_->receiveRequest(request(invite_), udpFlow());
  RequestSpec other = invite_;
  other.cseq = 2;
  layer_->receiveRequest(request(other), udpFlow());
  other = invite_;
  other.callId = "call-2@192.0.2.10";
  layer_->receiveRequest(request(other), udpFlow());
  other = invite_;
  other.fromTag = "a2";
  layer_->receiveRequest(request(other), udpFlow());
  other = invite_;
  other.requestUri = "sip:carol@example.test";
  layer_->receiveRequest(request(other), udpFlow());
  other = invite_;
  other.via = "SIP/2.0/UDP 192.0.2.10:5071;branch=old-style-1";
  layer_->receiveRequest(request(other), udpFlow());
  EXPECT_EQ(user_.count("request"), 6u);
}

TEST_F(Rfc2543MatchingTest, AckCarryingTheToTagOfOurFinalIsAbsorbed) {
  layer_->receiveRequest(request(invite_), udpFlow());
  const TransactionId tx = user_.last("request")->tx;
  sip::SipMessage original = parse(user_.last("request")->message);
  ASSERT_TRUE(layer_->respond(tx, original.makeResponse(486, "Busy Here", "b9")));
  RequestSpec ack = invite_;
  ack.method = "ACK";
  ack.toTag = "b9";
  layer_->receiveRequest(request(ack), udpFlow());
  EXPECT_EQ(user_.count("ack"), 0u);
  advance(10000);  // Confirmed: Timer G stopped, Timer I (5 s) ended the transaction
  EXPECT_EQ(sentCount("486"), 1u);
  EXPECT_FALSE(layer_->alive(tx));
  // Another To tag: the end-to-end ACK of some 2xx, for the TU.
  ack.toTag = "other";
  layer_->receiveRequest(request(ack), udpFlow());
  EXPECT_EQ(user_.count("ack"), 1u);
}

TEST_F(Rfc2543MatchingTest, CancelFindsItsInvite) {
  layer_->receiveRequest(request(invite_), udpFlow());
  const TransactionId tx = user_.last("request")->tx;
  RequestSpec cancel = invite_;
  cancel.method = "CANCEL";
  layer_->receiveRequest(request(cancel), udpFlow());
  ASSERT_NE(user_.last("cancel"), nullptr);
  EXPECT_EQ(user_.last("cancel")->other, tx);
}

}  // namespace
}  // namespace rtcgate::transaction::test
