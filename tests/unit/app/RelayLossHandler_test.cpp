// The calls of a relay that went down end with "relay-lost": BYE to both sides once answered,
// CANCEL (and 487 to the caller) while ringing; Call-IDs the proxy does not know are ignored.
#include "app/RelayLossHandler.hpp"

#include <gtest/gtest.h>

#include "unit/proxy/ProxyHarness.hpp"

namespace rtcgate::app {
namespace {

class RelayLossHandlerTest : public proxy::testing::ProxyHarness {
 protected:
  void lose(const std::vector<std::string>& callIds) {
    media::RelayPool::RelayState relay{*SocketAddress::parse("127.0.0.1", 22222)};
    relay.alive = false;
    RelayLossHandler(*proxy_).onCallsLost(relay, callIds);
  }
};

TEST_F(RelayLossHandlerTest, AnsweredCallsGetAByeOnBothSides) {
  const auto invite = aliceCallsBob("answered");
  ASSERT_TRUE(invite);
  answerWith200(*invite, bobFlow, "bob1", "<sip:bob@127.0.0.1:5070>");
  ASSERT_TRUE(sentTo(aliceFlow.remote, "SIP/2.0 200"));
  sent_.clear();
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

}  // namespace
}  // namespace rtcgate::app
