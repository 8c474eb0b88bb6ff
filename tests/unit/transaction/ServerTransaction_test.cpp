#include "transaction/ServerTransaction.hpp"

#include <gtest/gtest.h>

#include "TransactionTestKit.hpp"

namespace rtcgate::transaction::test {
namespace {

class ServerTransactionTest : public TransactionTest {
 protected:
  // Delivers the request and returns the server transaction the TU was given (0 if none).
  TransactionId receive(const RequestSpec& spec, const sip::Flow& flow = udpFlow()) {
    const std::size_t before = user_.count("request");
    layer_->receiveRequest(request(spec), flow);
    return user_.count("request") > before ? user_.last("request")->tx : 0;
  }
  bool respond(TransactionId tx, int status, std::string_view reason) {
    return layer_->respond(
        tx, parse(user_.last("request")->message).makeResponse(status, reason, "b1"));
  }
  static RequestSpec ack(RequestSpec spec) {
    spec.method = "ACK";
    spec.toTag = "b1";
    return spec;
  }
};

TEST_F(ServerTransactionTest, NewInviteIsAnsweredWith100AndReachesTheTu) {
  const TransactionId tx = receive({});
  ASSERT_NE(tx, 0u);
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(statusOf(sent_[0].bytes), 100);
  EXPECT_TRUE(layer_->alive(tx));
  EXPECT_EQ(layer_->stats().liveServerTransactions, 1u);
}

TEST_F(ServerTransactionTest, TryingCopiesTheTimestamp) {
  RequestSpec invite;
  invite.extraHeaders = {"Timestamp: 54.2 0.1"};
  receive(invite);
  ASSERT_EQ(sent_.size(), 1u);
  sip::SipMessage trying = parse(sent_[0].bytes);
  ASSERT_NE(trying.find(sip::HeaderId::Timestamp), nullptr);
  EXPECT_EQ(trying.find(sip::HeaderId::Timestamp)->value, "54.2 0.1");
  EXPECT_EQ(trying.toTag(), "");
  EXPECT_EQ(trying.callId(), "call-1@192.0.2.10");
}

TEST_F(ServerTransactionTest, InviteRetransmissionResendsTheLastResponseAndIsAbsorbed) {
  const TransactionId tx = receive({});
  EXPECT_EQ(receive({}), 0u);  // absorbed: the TU saw one request
  ASSERT_EQ(sent_.size(), 2u);
  EXPECT_EQ(statusOf(sent_[1].bytes), 100);
  ASSERT_TRUE(respond(tx, 180, "Ringing"));
  receive({});
  ASSERT_EQ(sent_.size(), 4u);
  EXPECT_EQ(statusOf(sent_[3].bytes), 180);
  EXPECT_EQ(user_.count("request"), 1u);
  EXPECT_EQ(layer_->stats().retransmissionsAbsorbed, 2u);
  EXPECT_EQ(layer_->stats().retransmissionsSent, 2u);
}

TEST_F(ServerTransactionTest, NonTwoXxFinalIsRetransmittedByTimerGDoublingUpToT2) {
  const TransactionId tx = receive({});
  ASSERT_TRUE(respond(tx, 486, "Busy Here"));
  EXPECT_EQ(sentCount("486"), 1u);
  // G: 500, then 1000, 2000, 4000, 4000 (capped at T2).
  const std::int64_t gaps[] = {500, 1000, 2000, 4000, 4000};
  std::size_t expected = 1;
  for (std::int64_t gap : gaps) {
    advance(gap - 1);
    EXPECT_EQ(sentCount("486"), expected) << "too early at gap " << gap;
    advance(1);
    EXPECT_EQ(sentCount("486"), ++expected) << "missing at gap " << gap;
  }
}

TEST_F(ServerTransactionTest, InviteRetransmissionInCompletedResendsTheFinal) {
  const TransactionId tx = receive({});
  ASSERT_TRUE(respond(tx, 486, "Busy Here"));
  receive({});
  EXPECT_EQ(sentCount("486"), 2u);
  EXPECT_EQ(user_.count("request"), 1u);
}

TEST_F(ServerTransactionTest, AckForNonTwoXxIsAbsorbedAndTimerIEndsTheTransaction) {
  RequestSpec invite;
  const TransactionId tx = receive(invite);
  ASSERT_TRUE(respond(tx, 486, "Busy Here"));
  layer_->receiveRequest(request(ack(invite)), udpFlow());
  layer_->receiveRequest(request(ack(invite)), udpFlow());  // retransmitted ACK: absorbed too
  EXPECT_EQ(user_.count("ack"), 0u);
  advance(4999);  // Timer G stopped in Confirmed; Timer I = T4 still running
  EXPECT_EQ(sentCount("486"), 1u);
  EXPECT_TRUE(layer_->alive(tx));
  advance(1);
  EXPECT_FALSE(layer_->alive(tx));
  EXPECT_EQ(user_.terminated, std::vector<TransactionId>{tx});
  EXPECT_EQ(user_.count("ack-timeout"), 0u);
  EXPECT_EQ(layer_->stats().liveServerTransactions, 0u);
}

TEST_F(ServerTransactionTest, TimerHEndsACompletedInviteWithoutAck) {
  const TransactionId tx = receive({});
  ASSERT_TRUE(respond(tx, 486, "Busy Here"));
  advance(32000 - 1);
  EXPECT_TRUE(layer_->alive(tx));
  advance(1);
  EXPECT_FALSE(layer_->alive(tx));
  ASSERT_NE(user_.last("ack-timeout"), nullptr);
  EXPECT_EQ(user_.last("ack-timeout")->tx, tx);
  EXPECT_EQ(layer_->stats().timeouts, 1u);
  // G fired at 0.5, 1.5, 3.5, 7.5, 11.5, ... 31.5 s: ten retransmissions.
  EXPECT_EQ(sentCount("486"), 11u);
}

TEST_F(ServerTransactionTest, TwoXxMovesToAcceptedWhereRetransmissionsAreAbsorbedSilently) {
  RequestSpec invite;
  const TransactionId tx = receive(invite);
  ASSERT_TRUE(respond(tx, 200, "OK"));
  EXPECT_EQ(receive(invite), 0u);
  EXPECT_EQ(sentCount("200"), 1u);  // the UAS retransmits 2xx, not the proxy's transaction
  // The TU forwards the UAS's 2xx retransmissions (or another fork's 2xx) through us.
  EXPECT_TRUE(respond(tx, 200, "OK"));
  EXPECT_EQ(sentCount("200"), 2u);
  EXPECT_FALSE(respond(tx, 486, "Busy Here"));
  // The ACK for a 2xx goes to the TU, with its own branch or (RFC 6026) matching ours.
  RequestSpec ack2xx = ack(invite);
  ack2xx.via = "SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bKack2xx";
  layer_->receiveRequest(request(ack2xx), udpFlow());
  layer_->receiveRequest(request(ack(invite)), udpFlow());
  EXPECT_EQ(user_.count("ack"), 2u);
  advance(32000);  // Timer L
  EXPECT_FALSE(layer_->alive(tx));
  EXPECT_FALSE(respond(tx, 200, "OK"));
}

TEST_F(ServerTransactionTest, ReliableInviteHasNoTimerGAndTimerIZero) {
  RequestSpec invite;
  invite.via = "SIP/2.0/TCP 192.0.2.10:5070;branch=z9hG4bKtcp1";
  const TransactionId tx = receive(invite, tcpFlow());
  ASSERT_TRUE(respond(tx, 486, "Busy Here"));
  advance(10000);
  EXPECT_EQ(sentCount("486"), 1u);
  EXPECT_TRUE(layer_->alive(tx));
  layer_->receiveRequest(request(ack(invite)), tcpFlow());
  EXPECT_FALSE(layer_->alive(tx));  // Timer I is zero on reliable transports
  EXPECT_EQ(user_.count("ack"), 0u);
}

TEST_F(ServerTransactionTest, NonInviteWalksTryingProceedingCompletedAndTimerJ) {
  RequestSpec options;
  options.method = "OPTIONS";
  const TransactionId tx = receive(options);
  ASSERT_NE(tx, 0u);
  EXPECT_TRUE(sent_.empty());  // no automatic 100 for non-INVITE
  receive(options);            // Trying: absorbed, nothing to resend
  EXPECT_TRUE(sent_.empty());
  ASSERT_TRUE(respond(tx, 100, "Trying"));
  receive(options);  // Proceeding: the provisional is resent
  EXPECT_EQ(sentCount("100"), 2u);
  ASSERT_TRUE(respond(tx, 200, "OK"));
  EXPECT_FALSE(respond(tx, 500, "Server Error"));  // one final per transaction
  receive(options);                                // Completed: the final is resent
  EXPECT_EQ(sentCount("200"), 2u);
  EXPECT_EQ(user_.count("request"), 1u);
  advance(32000 - 1);
  EXPECT_TRUE(layer_->alive(tx));
  advance(1);  // Timer J = 64*T1
  EXPECT_FALSE(layer_->alive(tx));
  // A request arriving after the transaction ended is new (RFC 3261 17.2.2).
  EXPECT_NE(receive(options), 0u);
}

TEST_F(ServerTransactionTest, ReliableNonInviteEndsWithItsFinalEvenWhenAnsweredInsideOnRequest) {
  RequestSpec options;
  options.method = "OPTIONS";
  options.via = "SIP/2.0/TCP 192.0.2.10:5070;branch=z9hG4bKtcp2";
  // The TU answers synchronously: the transaction ends (Timer J = 0) while onRequest runs.
  user_.onRequestHook = [this](TransactionId tx, sip::SipMessage& request) {
    EXPECT_TRUE(layer_->respond(tx, request.makeResponse(200, "OK", "b1")));
    EXPECT_FALSE(layer_->alive(tx));
  };
  const TransactionId tx = receive(options, tcpFlow());
  EXPECT_FALSE(layer_->alive(tx));
  EXPECT_EQ(user_.terminated, std::vector<TransactionId>{tx});
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0].flow.connectionId, 77u);
  EXPECT_EQ(timers_.pendingCount(), 0u);
}

TEST_F(ServerTransactionTest, UdpResponsesGoToTheViaPortWithoutRport) {
  RequestSpec invite;
  invite.via = "SIP/2.0/UDP 192.0.2.99:5070;branch=z9hG4bKport1;maddr=239.1.1.1";
  receive(invite);
  ASSERT_EQ(sent_.size(), 1u);
  // Source IP (not the sent-by host, not maddr), Via port.
  EXPECT_EQ(sent_[0].flow.remote, address("192.0.2.10", 5070));
  EXPECT_EQ(sent_[0].flow.transport, sip::Transport::Udp);
  EXPECT_EQ(sent_[0].flow.local, udpFlow().local);
}

TEST_F(ServerTransactionTest, UdpResponsesGoTo5060WhenTheViaHasNoPort) {
  RequestSpec invite;
  invite.via = "SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKport2";
  receive(invite);
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0].flow.remote, address("192.0.2.10", 5060));
}

TEST_F(ServerTransactionTest, UdpResponsesGoToTheSourcePortWithRport) {
  RequestSpec invite;
  invite.via = "SIP/2.0/UDP 192.0.2.10:5070;rport;branch=z9hG4bKport3";
  receive(invite);
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0].flow.remote, address("192.0.2.10", 40000));
}

TEST_F(ServerTransactionTest, ReliableResponsesGoBackOverTheConnection) {
  RequestSpec invite;
  invite.via = "SIP/2.0/TCP 192.0.2.10:5070;branch=z9hG4bKport4";
  receive(invite, tcpFlow());
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0].flow.connectionId, 77u);
  EXPECT_EQ(sent_[0].flow.remote, tcpFlow().remote);
}

TEST_F(ServerTransactionTest, RespondOnAnUnknownTransactionIsANoOp) {
  const TransactionId tx = receive({});
  EXPECT_FALSE(
      layer_->respond(tx + 1000, parse(user_.last("request")->message).makeResponse(200, "OK")));
  EXPECT_EQ(sent_.size(), 1u);
}

}  // namespace
}  // namespace rtcgate::transaction::test
