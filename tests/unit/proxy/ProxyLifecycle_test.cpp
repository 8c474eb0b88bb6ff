// Nothing outlives its call: whatever way a call ends -- a failure response to its INVITE, a
// timeout, a transport error, a CANCEL, a BYE answered with anything or not at all -- its dialog
// is gone at once, and its proxy and SIP transactions once their timers have run (issue 14,
// "no leaks over time").
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "unit/proxy/ProxyHarness.hpp"

namespace rtcgate::proxy {
namespace {

using sip::SipMessage;

class ProxyLifecycleTest : public testing::ProxyHarness {
 protected:
  // Alice's request to bob inside the answered call, along bob's Record-Route.
  void aliceSends(const std::string& method, const std::vector<std::string>& routes,
                  const std::string& callId = "life-1") {
    std::string text = method +
                       " sip:bob@127.0.0.1:5070 SIP/2.0\r\n"
                       "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bK-" +
                       method + callId + "\r\nMax-Forwards: 70\r\n";
    for (const auto& route : routes) text += "Route: " + route + "\r\n";
    text +=
        "From: <sip:alice@localhost>;tag=alice1\r\nTo: <sip:bob@localhost>;tag=bob1\r\n"
        "Call-ID: " +
        callId + "\r\nCSeq: 2 " + method + "\r\nContent-Length: 0\r\n\r\n";
    proxy_->onMessage(text, aliceFlow);
  }

  void cancelFromAlice(const std::string& callId = "life-1") {
    proxy_->onMessage(
        "CANCEL sip:bob@localhost SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bK-" +
            callId +
            "\r\nMax-Forwards: 70\r\nFrom: <sip:alice@localhost>;tag=alice1\r\n"
            "To: <sip:bob@localhost>\r\nCall-ID: " +
            callId + "\r\nCSeq: 1 CANCEL\r\nContent-Length: 0\r\n\r\n",
        aliceFlow);
  }

  void bobAnswers(const SipMessage& request, int status) {
    proxy_->onMessage(request.makeResponse(status, "Whatever", "bob1").serialize(), bobFlow);
  }

  // Every timer of the transaction layer (B, F, H, the CANCEL wait, timer C) has run.
  void expectNothingLeft(const char* what) {
    relay_.drainOk();
    timers_.advance(std::chrono::minutes(5));
    relay_.drainOk();
    EXPECT_EQ(proxy_->dialogs().size(), 0u) << what;
    EXPECT_EQ(proxy_->liveProxyTransactions(), 0u) << what;
    const auto stats = proxy_->transactionStats();
    EXPECT_EQ(stats.liveServerTransactions, 0u) << what;
    EXPECT_EQ(stats.liveClientTransactions, 0u) << what;
  }
};

TEST_F(ProxyLifecycleTest, EveryFailureResponseToTheInviteEndsTheCall) {
  for (int status : {404, 408, 480, 486, 487, 500, 503, 603}) {
    const std::string callId = "fail-" + std::to_string(status);
    const auto invite = aliceCallsBob(callId);
    ASSERT_TRUE(invite);
    bobAnswers(*invite, 180);
    bobAnswers(*invite, status);
    EXPECT_EQ(proxy_->dialogs().size(), 0u) << status;
    expectNothingLeft(callId.c_str());
  }
  EXPECT_EQ(ended_.size(), 8u);
}

TEST_F(ProxyLifecycleTest, AnInviteNobodyAnswersEndsWithTimerB) {
  aliceCallsBob("life-1");
  timers_.advance(std::chrono::seconds(40));
  EXPECT_TRUE(sentTo(aliceFlow.remote, "SIP/2.0 408"));
  relay_.drainOk();  // the CDR waits for the relay's delete
  EXPECT_EQ(ended_, std::vector<std::string>{"no-answer"});
  expectNothingLeft("timer B");
}

TEST_F(ProxyLifecycleTest, ARingingBranchThatNeverAnswersTheCancelEnds) {
  // Timer C cancels the branch after 3 minutes; bob ignores the CANCEL too.
  const auto invite = aliceCallsBob("life-1");
  ASSERT_TRUE(invite);
  bobAnswers(*invite, 180);
  timers_.advance(std::chrono::minutes(3) + std::chrono::seconds(1));
  EXPECT_TRUE(sentTo(bob, "CANCEL"));
  timers_.advance(std::chrono::seconds(40));
  EXPECT_TRUE(sentTo(aliceFlow.remote, "SIP/2.0 408"));
  relay_.drainOk();
  ASSERT_EQ(ended_.size(), 1u);
  expectNothingLeft("timer C, CANCEL unanswered");
}

TEST_F(ProxyLifecycleTest, ATransportErrorTowardTheCalleeEndsTheCall) {
  unreachable_.push_back(bob);
  EXPECT_TRUE(aliceCallsBob("life-1")) << "the INVITE was tried";
  EXPECT_TRUE(sentTo(aliceFlow.remote, "SIP/2.0 500"));
  EXPECT_EQ(proxy_->dialogs().size(), 0u);
  expectNothingLeft("transport error");
}

TEST_F(ProxyLifecycleTest, ACancelEndsTheCallWhetherOrNotTheCalleeAnswersIt) {
  const auto invite = aliceCallsBob("cancel-answered");
  ASSERT_TRUE(invite);
  bobAnswers(*invite, 180);
  cancelFromAlice("cancel-answered");
  auto cancel = sentTo(bob, "CANCEL");
  ASSERT_TRUE(cancel);
  bobAnswers(*cancel, 200);
  bobAnswers(*invite, 487);
  EXPECT_TRUE(sentTo(aliceFlow.remote, "SIP/2.0 487"));
  expectNothingLeft("CANCEL answered");

  const auto ignored = aliceCallsBob("cancel-ignored");
  ASSERT_TRUE(ignored);
  bobAnswers(*ignored, 180);
  cancelFromAlice("cancel-ignored");
  expectNothingLeft("CANCEL ignored");
  EXPECT_EQ(ended_, (std::vector<std::string>{"cancelled", "cancelled"}));
}

TEST_F(ProxyLifecycleTest, AByeEndsTheCallWhateverItsResponse) {
  // 0: no response at all (timer F).
  for (int status : {200, 404, 408, 481, 500, 0}) {
    const std::string callId = "bye-" + std::to_string(status);
    const auto invite = aliceCallsBob(callId);
    ASSERT_TRUE(invite);
    const auto routes = answerWith200(*invite, bobFlow, "bob1", "<sip:bob@127.0.0.1:5070>");
    sent_.clear();
    aliceSends("BYE", routes, callId);
    EXPECT_EQ(proxy_->dialogs().size(), 0u) << status;
    const auto bye = sentTo(bob, "BYE");
    ASSERT_TRUE(bye) << status;
    if (status != 0) bobAnswers(*bye, status);
    expectNothingLeft(callId.c_str());
  }
  EXPECT_EQ(ended_.size(), 6u);
}

TEST_F(ProxyLifecycleTest, OurOwnByesLeaveNothingWhateverTheirResponse) {
  // The dialog timeout (1 min here) sends a BYE to each side; alice answers 481, bob nothing.
  const auto invite = aliceCallsBob("life-1");
  ASSERT_TRUE(invite);
  answerWith200(*invite, bobFlow, "bob1", "<sip:bob@127.0.0.1:5070>");
  timers_.advance(std::chrono::seconds(70));
  const auto toAlice = sentTo(aliceFlow.remote, "BYE");
  ASSERT_TRUE(toAlice && sentTo(bob, "BYE"));
  proxy_->onMessage(toAlice->makeResponse(481, "Call/Transaction Does Not Exist").serialize(),
                    aliceFlow);
  EXPECT_EQ(ended_, std::vector<std::string>{"dialog-timeout"});
  expectNothingLeft("our BYEs");
}

TEST_F(ProxyLifecycleTest, ARelayRefusingTheOfferEndsTheCall) {
  // A browser's offer to a phone goes to the relay first; it refuses it, then it is not there.
  const std::string sdp =
      "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 40000 UDP/TLS/RTP/SAVPF 0\r\n"
      "c=IN IP4 127.0.0.1\r\n";
  for (bool answered : {true, false}) {
    const std::string callId = answered ? "relay-refuses" : "relay-silent";
    proxy_->onMessage(
        "INVITE sip:bob@localhost SIP/2.0\r\nVia: SIP/2.0/WSS a.invalid;branch=z9hG4bK-" + callId +
            "\r\nMax-Forwards: 70\r\nFrom: <sip:alice@localhost>;tag=alice1\r\n"
            "To: <sip:bob@localhost>\r\nCall-ID: " +
            callId +
            "\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@x.invalid;transport=ws>\r\n"
            "Content-Type: application/sdp\r\nContent-Length: " +
            std::to_string(sdp.size()) + "\r\n\r\n" + sdp,
        browser);
    ASSERT_EQ(relay_.command(), "offer");
    if (answered) {
      relay_.replyError();
    } else {
      relay_.noReply();
    }
    EXPECT_FALSE(sentTo(bob, "INVITE"));
    expectNothingLeft(callId.c_str());
  }
}

}  // namespace
}  // namespace rtcgate::proxy
