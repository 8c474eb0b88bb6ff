// CANCEL on both sides: matching a received CANCEL to its INVITE (RFC 3261 9.2) and the layer's
// own CANCEL of an INVITE client transaction (9.1).
#include <gtest/gtest.h>

#include "TransactionTestKit.hpp"

namespace rtcgate::transaction::test {
namespace {

class CancelTest : public TransactionTest {
 protected:
  void answer(int status, std::string_view reason, std::size_t requestIndex = 0) {
    layer_->receiveResponse(responseTo(sent_.at(requestIndex).bytes, status, reason, "b1"),
                            udpDestination());
  }
  std::size_t indexOf(const std::string& method) const {
    for (std::size_t i = 0; i < sent_.size(); ++i) {
      if (methodOf(sent_[i].bytes) == method) return i;
    }
    return sent_.size();
  }
  static RequestSpec cancelOf(RequestSpec spec) {
    spec.method = "CANCEL";
    return spec;
  }
};

TEST_F(CancelTest, ReceivedCancelGetsItsOwnTransactionAndNamesTheInvite) {
  RequestSpec invite;
  layer_->receiveRequest(request(invite), udpFlow());
  const TransactionId inviteTx = user_.last("request")->tx;
  layer_->receiveRequest(request(cancelOf(invite)), udpFlow());
  const UserEvent* cancel = user_.last("cancel");
  ASSERT_NE(cancel, nullptr);
  EXPECT_EQ(cancel->other, inviteTx);
  EXPECT_NE(cancel->tx, inviteTx);
  EXPECT_EQ(user_.count("request"), 1u);

  // The TU answers both; a retransmitted CANCEL gets the 200 again from the CANCEL transaction.
  sip::SipMessage cancelRequest = parse(cancel->message);
  ASSERT_TRUE(layer_->respond(cancel->tx, cancelRequest.makeResponse(200, "OK", "b1")));
  ASSERT_TRUE(layer_->respond(
      inviteTx,
      parse(user_.last("request")->message).makeResponse(487, "Request Terminated", "b1")));
  layer_->receiveRequest(request(cancelOf(invite)), udpFlow());
  EXPECT_EQ(user_.count("cancel"), 1u);
  EXPECT_EQ(sentCount("200"), 2u);
  EXPECT_EQ(sentCount("487"), 1u);
}

TEST_F(CancelTest, CancelMatchingNoInviteIsReportedWithoutOne) {
  RequestSpec invite;
  layer_->receiveRequest(request(invite), udpFlow());
  RequestSpec other = cancelOf(invite);
  other.via = "SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bKunknown";
  layer_->receiveRequest(request(other), udpFlow());
  // Same branch from another sent-by is another transaction too (17.2.3).
  RequestSpec elsewhere = cancelOf(invite);
  elsewhere.via = "SIP/2.0/UDP 192.0.2.11:5070;branch=z9hG4bKupstream1";
  layer_->receiveRequest(request(elsewhere), udpFlow());
  ASSERT_EQ(user_.count("cancel"), 2u);
  for (const auto& event : user_.events) {
    if (event.kind == "cancel") {
      EXPECT_EQ(event.other, 0u);  // the TU answers 481
    }
  }
}

TEST_F(CancelTest, CancelAfterAProvisionalIsSentAtOnceAsItsOwnTransaction) {
  RequestSpec invite;
  invite.routes = {"<sip:proxy2.example.test;lr>"};
  const TransactionId tx = sendClient(invite, udpDestination());
  answer(180, "Ringing");
  layer_->cancel(tx);
  layer_->cancel(tx);  // once is enough
  ASSERT_EQ(sentCount("CANCEL"), 1u);

  const SentMessage& sentCancel = sent_[indexOf("CANCEL")];
  EXPECT_EQ(sentCancel.flow.remote, udpDestination().remote);
  sip::SipMessage original = parse(sent_[0].bytes);
  sip::SipMessage cancel = parse(sentCancel.bytes);
  EXPECT_EQ(cancel.requestUri(), original.requestUri());
  EXPECT_EQ(cancel.callId(), original.callId());
  EXPECT_EQ(cancel.cseq(), original.cseq());
  EXPECT_EQ(cancel.cseqMethod(), sip::Method::Cancel);
  EXPECT_EQ(cancel.fromTag(), "a1");
  EXPECT_EQ(cancel.toTag(), "");  // To as sent
  EXPECT_EQ(cancel.count(sip::HeaderId::Via), 1u);
  EXPECT_EQ(cancel.topVia().branch(), original.topVia().branch());
  EXPECT_EQ(cancel.all(sip::HeaderId::Route), original.all(sip::HeaderId::Route));

  advance(500);  // Timer E retransmits the CANCEL over UDP
  EXPECT_EQ(sentCount("CANCEL"), 2u);
  const std::size_t cancelIndex = indexOf("CANCEL");
  answer(200, "OK", cancelIndex);  // absorbed here: the TU waits for the 487
  EXPECT_EQ(user_.count("response"), 1u);
  EXPECT_EQ(user_.count("stray"), 0u);
  answer(487, "Request Terminated");
  EXPECT_EQ(user_.last("response")->status, 487);
  EXPECT_EQ(sentCount("ACK"), 1u);
  advance(60000);
  EXPECT_EQ(layer_->stats().liveClientTransactions, 0u);
  EXPECT_EQ(user_.terminated, std::vector<TransactionId>{tx});  // the CANCEL's id stays internal
}

TEST_F(CancelTest, CancelBeforeAnyProvisionalWaitsForOne) {
  const TransactionId tx = sendClient({}, udpDestination());
  layer_->cancel(tx);
  EXPECT_EQ(sentCount("CANCEL"), 0u);
  answer(100, "Trying");
  EXPECT_EQ(sentCount("CANCEL"), 1u);
  EXPECT_EQ(user_.count("response"), 1u);
}

TEST_F(CancelTest, CancelIsDroppedWhenAFinalArrivesFirst) {
  const TransactionId tx = sendClient({}, udpDestination());
  layer_->cancel(tx);
  answer(486, "Busy Here");
  answer(180, "Ringing");  // late and meaningless
  EXPECT_EQ(sentCount("CANCEL"), 0u);
}

TEST_F(CancelTest, UnansweredCancelledInviteTimesOutWithTimerB) {
  const TransactionId tx = sendClient({}, udpDestination());
  layer_->cancel(tx);
  advance(32000);
  EXPECT_EQ(sentCount("CANCEL"), 0u);
  ASSERT_EQ(user_.count("timeout"), 1u);
  EXPECT_EQ(user_.last("timeout")->tx, tx);
}

TEST_F(CancelTest, CancelledInviteWithoutFinalEndsAfter64T1) {
  const TransactionId tx = sendClient({}, udpDestination());
  answer(180, "Ringing");
  advance(10000);
  layer_->cancel(tx);
  advance(32000 - 1);
  EXPECT_TRUE(layer_->alive(tx));
  advance(1);
  EXPECT_FALSE(layer_->alive(tx));
  ASSERT_EQ(user_.count("timeout"), 1u);  // once: the CANCEL's own Timer F stays internal
  EXPECT_EQ(user_.last("timeout")->tx, tx);
}

TEST_F(CancelTest, CancelOfANonInviteDoesNothing) {
  RequestSpec options;
  options.method = "OPTIONS";
  const TransactionId tx = sendClient(options, udpDestination());
  answer(100, "Trying");
  layer_->cancel(tx);
  EXPECT_EQ(sentCount("CANCEL"), 0u);
}

TEST_F(CancelTest, CancelSentOverTheInvitesConnection) {
  const TransactionId tx = sendClient({}, tcpDestination());
  layer_->receiveResponse(responseTo(sent_[0].bytes, 180, "Ringing", "b1"), tcpDestination());
  layer_->cancel(tx);
  ASSERT_EQ(sentCount("CANCEL"), 1u);
  EXPECT_EQ(sent_.back().flow.connectionId, 91u);
}

TEST_F(CancelTest, TuMayCancelAndStartTransactionsFromInsideItsCallbacks) {
  const TransactionId first = sendClient({}, udpDestination());
  TransactionId second = 0;
  user_.onResponseHook = [&](TransactionId tx, sip::SipMessage& response) {
    if (tx == first && response.statusCode() == 180) layer_->cancel(tx);
    // Serial forking: the first branch failed, try the next one at once.
    if (tx == first && response.statusCode() == 487) second = sendClient({}, udpDestination());
  };
  answer(180, "Ringing");
  EXPECT_EQ(sentCount("CANCEL"), 1u);
  answer(487, "Request Terminated");
  ASSERT_NE(second, 0u);
  EXPECT_TRUE(layer_->alive(second));
  EXPECT_EQ(sentCount("INVITE"), 2u);
}

TEST_F(CancelTest, DestroyingTheLayerStopsEveryTimer) {
  sendClient({}, udpDestination());
  layer_->receiveRequest(request({}), udpFlow());
  answer(180, "Ringing");
  layer_->cancel(user_.last("response")->tx);
  ASSERT_GT(timers_.pendingCount(), 0u);
  layer_.reset();
  EXPECT_EQ(timers_.pendingCount(), 0u);
}

}  // namespace
}  // namespace rtcgate::transaction::test
