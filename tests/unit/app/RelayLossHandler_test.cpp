// The calls of a relay that went down move to another relay when one is alive (answered calls
// through the relay), else end with "relay-lost": BYE to both sides once answered, CANCEL (and
// 487 to the caller) while ringing; calls whose media went direct, and Call-IDs the proxy does
// not know, are left alone.
#include "app/RelayLossHandler.hpp"

#include <gtest/gtest.h>

#include "unit/proxy/ProxyHarness.hpp"

namespace rtcgate::app {
namespace {

class RelayLossHandlerTest : public proxy::testing::ProxyHarness {
 protected:
  // Alice and bob are both SIP phones: only `anchor: always` puts their calls on the relay.
  void configure(proxy::ProxyOptions& options) override {
    options.media.anchor = proxy::MediaPolicyOptions::Anchor::Always;
  }

  void lose(const std::vector<std::string>& callIds, bool anotherRelay = false) {
    mediacontrol::RelayPool::RelayState relay{*SocketAddress::parse("127.0.0.1", 22222)};
    relay.alive = false;
    RelayLossHandler(*proxy_).onCallsLost(relay, callIds, anotherRelay);
  }

  // Alice calls bob with SDP through the relay; bob answers with his.
  void answeredThroughTheRelay(const std::string& callId) {
    const std::string sdp =
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
        "m=audio 4000 RTP/AVP 0\r\nc=IN IP4 127.0.0.1\r\n";
    aliceCallsBob(callId, sdp);
    relay_.replySdp("relay-offer");
    const auto invite = sentTo(bob, "INVITE");
    ASSERT_TRUE(invite);
    auto ok = invite->makeResponse(200, "OK", "bob1");
    for (const auto& rr : invite->all(sip::HeaderId::RecordRoute)) {
      ok.appendHeader(sip::HeaderId::RecordRoute, std::string(rr));
    }
    ok.appendHeader(sip::HeaderId::Contact, "<sip:bob@127.0.0.1:5070>");
    ok.setBody(sdp, "application/sdp");
    proxy_->onMessage(ok.serialize(), bobFlow);
    relay_.replySdp("relay-answer");
    ASSERT_TRUE(sentTo(aliceFlow.remote, "SIP/2.0 200"));
    sent_.clear();
  }
};

TEST_F(RelayLossHandlerTest, AnsweredCallsGetAByeOnBothSides) {
  answeredThroughTheRelay("answered");
  lose({"answered", "not-a-call-of-ours"});
  const auto toBob = sentTo(bob, "BYE");
  const auto toAlice = sentTo(aliceFlow.remote, "BYE");
  ASSERT_TRUE(toBob && toAlice);
  EXPECT_NE(toBob->find("Reason"), nullptr);
  EXPECT_NE(std::string(toAlice->find("Reason")->value).find("relay-lost"), std::string::npos);
  relay_.drainOk();
  EXPECT_EQ(ended_, std::vector<std::string>{"relay-lost"});
  EXPECT_EQ(proxy_->dialogs().size(), 0u);
}

TEST_F(RelayLossHandlerTest, RingingCallsAreCancelledAndKeepTheReason) {
  const auto invite = aliceCallsBob("ringing");
  ASSERT_TRUE(invite);
  proxy_->onMessage(invite->makeResponse(180, "Ringing", "bob1").serialize(), bobFlow);
  lose({"ringing"});
  const auto cancel = sentTo(bob, "CANCEL");
  ASSERT_TRUE(cancel);
  proxy_->onMessage(invite->makeResponse(487, "Request Terminated", "bob1").serialize(), bobFlow);
  EXPECT_TRUE(sentTo(aliceFlow.remote, "SIP/2.0 487"));
  relay_.drainOk();
  EXPECT_EQ(ended_, std::vector<std::string>{"relay-lost"});
  EXPECT_EQ(proxy_->dialogs().size(), 0u);
}

TEST_F(RelayLossHandlerTest, AnsweredCallsMoveWhenAnotherRelayIsAlive) {
  answeredThroughTheRelay("moving");
  lose({"moving"}, true);
  ASSERT_EQ(relay_.pending.size(), 1u);
  EXPECT_EQ(relay_.command(), "offer") << "the call is offered to the pool again";
  relay_.replySdp("new-relay");
  EXPECT_TRUE(sentTo(bob, "INVITE"));
  EXPECT_FALSE(sentTo(bob, "BYE"));
  EXPECT_EQ(proxy_->dialogs().size(), 1u);
}

TEST_F(RelayLossHandlerTest, CallsWhoseMediaWentDirectAreLeftAlone) {
  // A forked call's offer the relay kept, answered by a branch that was not anchored.
  const auto invite = aliceCallsBob("direct");
  ASSERT_TRUE(invite);
  answerWith200(*invite, bobFlow, "bob1", "<sip:bob@127.0.0.1:5070>");
  proxy_->dialogs().find("direct")->anchored = false;
  sent_.clear();
  lose({"direct"});
  EXPECT_TRUE(sent_.empty());
  EXPECT_EQ(proxy_->dialogs().size(), 1u);
}

}  // namespace
}  // namespace rtcgate::app
