// An answered call whose relay died moves to another relay (issue 14): the new relay gets each
// side's last SDP, each side a re-INVITE of ours with the new relay's SDP, and the CSeqs we use
// in a side's name shift that side's later requests (and back in their responses), so that
// neither end sees a CSeq go backwards. Any failure ends the call as relay-lost.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "unit/proxy/ProxyMediaHarness.hpp"

namespace rtcgate::proxy {
namespace {

using sip::HeaderId;
using sip::SipMessage;
using testing::kBrowserSdp;
using testing::kPhoneSdp;

constexpr char kPhoneSdpAgain[] =
    "v=0\r\no=- 1 3 IN IP4 127.0.0.9\r\ns=-\r\nc=IN IP4 127.0.0.9\r\nt=0 0\r\n"
    "m=audio 6000 RTP/AVP 0\r\n";

class ProxyRelayMoveTest : public testing::ProxyMediaHarness {
 protected:
  void SetUp() override {
    ProxyMediaHarness::SetUp();
    toBob_ = establishBrowserToPhone();
    relay_.drainOk();
    dialogId_ = proxy_->dialogs().find("call-1")->id;
  }

  // The move's first round: the new relay gets alice's SDP, bob a re-INVITE with the relay's.
  SipMessage reinviteToBob() {
    EXPECT_TRUE(proxy_->moveToAnotherRelay(dialogId_));
    EXPECT_EQ(relay_.command(), "offer");
    EXPECT_EQ(relay_.at("from-tag"), "alice1");
    EXPECT_EQ(relay_.at("to-tag"), "bob1");
    EXPECT_EQ(relay_.at("sdp"), kBrowserSdp);
    relay_.replySdp("new-relay-for-bob");
    auto reinvite = sentTo(bob, "INVITE");
    EXPECT_TRUE(reinvite);
    return std::move(*reinvite);
  }

  // Bob accepts: his SDP goes to the relay as the answer, and the caller's round begins.
  SipMessage reinviteToAlice(const SipMessage& toBob) {
    answerFrom(bobFlow, toBob, 200, kPhoneSdpAgain);
    EXPECT_EQ(relay_.command(), "answer");
    EXPECT_EQ(relay_.at("sdp"), kPhoneSdpAgain);
    relay_.replySdp("ignored");
    EXPECT_EQ(relay_.command(), "offer");
    EXPECT_EQ(relay_.at("from-tag"), "bob1");
    EXPECT_EQ(relay_.at("to-tag"), "alice1");
    EXPECT_EQ(relay_.at("sdp"), kPhoneSdpAgain);
    relay_.replySdp("new-relay-for-alice");
    auto reinvite = sentTo(browser.remote, "INVITE");
    EXPECT_TRUE(reinvite);
    return std::move(*reinvite);
  }

  void aliceAccepts(const SipMessage& toAlice) {
    answerFrom(browser, toAlice, 200, kBrowserSdp, "alice1");
    EXPECT_EQ(relay_.command(), "answer");
    EXPECT_EQ(relay_.at("from-tag"), "bob1");
    relay_.replySdp("ignored");
  }

  // Bob's own request in the dialog (his CSeq sequence starts at 1), along his route set.
  std::string bobSends(const std::string& method, int cseq) const {
    std::string text = method +
                       " sip:alice@127.0.0.1 SIP/2.0\r\n"
                       "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKbob-" +
                       method + std::to_string(cseq) + "\r\nMax-Forwards: 70\r\n";
    for (const auto& route : toBob_->all(HeaderId::RecordRoute)) {
      text += "Route: " + std::string(route) + "\r\n";
    }
    return text +
           "From: <sip:bob@localhost>;tag=bob1\r\nTo: <sip:alice@localhost>;tag=alice1\r\n"
           "Call-ID: call-1\r\nCSeq: " +
           std::to_string(cseq) + " " + method + "\r\nContent-Length: 0\r\n\r\n";
  }

  std::optional<SipMessage> toBob_;
  std::uint64_t dialogId_ = 0;
};

TEST_F(ProxyRelayMoveTest, BothSidesAreReinvitedWithTheNewRelaysSdp) {
  const auto toBob = reinviteToBob();
  EXPECT_EQ(toBob.body(), "new-relay-for-bob");
  EXPECT_EQ(toBob.requestUri(), "sip:bob@127.0.0.1:5070");
  EXPECT_EQ(toBob.fromTag(), "alice1");
  EXPECT_EQ(toBob.toTag(), "bob1");
  EXPECT_EQ(toBob.cseq(), 2u) << "next in alice's sequence (her INVITE was 1)";
  EXPECT_EQ(toBob.find(HeaderId::Contact)->value, "<sip:alice@127.0.0.1>")
      << "alice's own Contact: bob's remote target must not become us";

  const auto toAlice = reinviteToAlice(toBob);
  auto ackToBob = sentTo(bob, "ACK");
  ASSERT_TRUE(ackToBob);
  EXPECT_EQ(ackToBob->cseq(), 2u);
  EXPECT_EQ(toAlice.body(), "new-relay-for-alice");
  EXPECT_EQ(toAlice.fromTag(), "bob1");
  EXPECT_EQ(toAlice.toTag(), "alice1");
  EXPECT_EQ(toAlice.cseq(), 1u) << "bob had sent nothing: his sequence starts here";

  aliceAccepts(toAlice);
  EXPECT_TRUE(sentTo(browser.remote, "ACK"));
  EXPECT_EQ(proxy_->stats().relayMoves, 1u);
  EXPECT_EQ(proxy_->stats().relayMovesFailed, 0u);
  EXPECT_TRUE(proxy_->dialogs().find("call-1")) << "the call goes on";
}

TEST_F(ProxyRelayMoveTest, LaterRequestsOfEachSideAreRenumberedPastOurs) {
  aliceAccepts(reinviteToAlice(reinviteToBob()));
  const auto sentBefore = sent_.size();

  // Bob's first request (CSeq 1) reaches alice after ours (1): as 2; its answer goes back as 1.
  proxy_->onMessage(bobSends("OPTIONS", 1), bobFlow);
  auto options = sentTo(browser.remote, "OPTIONS");
  ASSERT_TRUE(options);
  EXPECT_EQ(options->cseq(), 2u);
  EXPECT_EQ(options->find(HeaderId::CSeq)->value, "2 OPTIONS");
  proxy_->onMessage(options->makeResponse(200, "OK").serialize(), browser);
  auto ok = sentTo(bob, "SIP/2.0 200");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->find(HeaderId::CSeq)->value, "1 OPTIONS");

  // Alice's next request (her CSeq 2) reaches bob after ours (2): as 3.
  proxy_->onMessage(browserBye("call-1"), browser);
  auto bye = sentTo(bob, "BYE");
  ASSERT_TRUE(bye);
  EXPECT_EQ(bye->cseq(), 3u);
  answerFrom(bobFlow, *bye, 200);
  auto byeOk = sentTo(browser.remote, "SIP/2.0 200");
  ASSERT_TRUE(byeOk);
  EXPECT_EQ(byeOk->find(HeaderId::CSeq)->value, "2 BYE");
  EXPECT_GT(sent_.size(), sentBefore);
}

TEST_F(ProxyRelayMoveTest, ARefusedReinviteEndsTheCallAsRelayLost) {
  const auto toBob = reinviteToBob();
  answerFrom(bobFlow, toBob, 488);
  auto byeToBob = sentTo(bob, "BYE");
  ASSERT_TRUE(byeToBob);
  EXPECT_EQ(byeToBob->cseq(), 3u) << "past our re-INVITE (2) in alice's name";
  EXPECT_TRUE(sentTo(browser.remote, "BYE"));
  relay_.drainOk();
  EXPECT_EQ(ended_, std::vector<std::string>{"relay-lost"});
  EXPECT_EQ(proxy_->stats().relayMovesFailed, 1u);
}

TEST_F(ProxyRelayMoveTest, TheNewRelayRefusingTheOfferEndsTheCall) {
  ASSERT_TRUE(proxy_->moveToAnotherRelay(dialogId_));
  relay_.noReply();
  EXPECT_TRUE(sentTo(bob, "BYE"));
  relay_.drainOk();
  EXPECT_EQ(ended_, std::vector<std::string>{"relay-lost"});
}

TEST_F(ProxyRelayMoveTest, AReinviteNobodyAnswersEndsTheCall) {
  reinviteToBob();
  timers_.advance(std::chrono::seconds(40));  // timer B
  EXPECT_TRUE(sentTo(bob, "BYE"));
  relay_.drainOk();
  EXPECT_EQ(ended_, std::vector<std::string>{"relay-lost"});
}

TEST_F(ProxyRelayMoveTest, GlareIsAnsweredWith491AndOurReinviteTriedAgain) {
  const auto toBob = reinviteToBob();
  // Bob's own re-INVITE crosses ours: we refuse his, he refuses ours.
  proxy_->onMessage(bobSends("INVITE", 1), bobFlow);
  EXPECT_TRUE(sentTo(bob, "SIP/2.0 491"));
  EXPECT_FALSE(sentTo(browser.remote, "INVITE")) << "not passed on while we move the call";
  answerFrom(bobFlow, toBob, 491);
  EXPECT_EQ(countSentTo(bob, "INVITE"), 2u) << "the first INVITE, and ours";
  timers_.advance(std::chrono::seconds(4));
  // (and, over UDP, perhaps retransmitted within the 4 s)
  EXPECT_GE(countSentTo(bob, "INVITE"), 3u) << "tried again after the glare wait";
  auto again = sentTo(bob, "INVITE");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->cseq(), 3u);
  EXPECT_EQ(again->body(), "new-relay-for-bob");
  aliceAccepts(reinviteToAlice(*again));
  EXPECT_EQ(proxy_->stats().relayMoves, 1u);
}

TEST_F(ProxyRelayMoveTest, AByeDuringTheMoveEndsTheCallAndTheLate2xxIsStillAcked) {
  const auto toBob = reinviteToBob();
  proxy_->onMessage(browserBye("call-1"), browser);
  auto bye = sentTo(bob, "BYE");
  ASSERT_TRUE(bye);
  EXPECT_EQ(bye->cseq(), 3u);
  answerFrom(bobFlow, *bye, 200);
  relay_.drainOk();
  EXPECT_EQ(ended_, std::vector<std::string>{"caller-bye"});
  answerFrom(bobFlow, toBob, 200, kPhoneSdpAgain);
  EXPECT_TRUE(sentTo(bob, "ACK"));
  EXPECT_TRUE(relay_.pending.empty()) << "nothing more for the relay";
  EXPECT_EQ(proxy_->stats().relayMoves + proxy_->stats().relayMovesFailed, 0u);
}

TEST_F(ProxyRelayMoveTest, OnlyAnsweredCallsThroughTheRelayMove) {
  EXPECT_TRUE(proxy_->moveToAnotherRelay(dialogId_));
  EXPECT_FALSE(proxy_->moveToAnotherRelay(dialogId_)) << "moving already";
  EXPECT_FALSE(proxy_->moveToAnotherRelay(dialogId_ + 100)) << "no such call";
  auto second = invite("bob", "SIP/2.0/WSS a.invalid", kBrowserSdp, "call-2");
  second.replace(second.find("z9hG4bKcaller1"), 14, "z9hG4bKcaller2");
  proxy_->onMessage(second, browser);
  EXPECT_FALSE(proxy_->moveToAnotherRelay(proxy_->dialogs().find("call-2")->id)) << "not answered";
}

}  // namespace
}  // namespace rtcgate::proxy
