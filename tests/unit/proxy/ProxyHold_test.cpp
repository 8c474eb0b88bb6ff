// Holding and resuming an answered call through the API (POST /api/v1/calls/{id}/hold, /resume):
// each side gets a re-INVITE of ours, the callee first, offering the relay's SDP made from the
// other side's last SDP with every stream inactive (or sending and receiving again).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "unit/proxy/ProxyMediaHarness.hpp"

namespace rtcgate::proxy {
namespace {

using sip::SipMessage;
using testing::kBrowserSdp;
using testing::kPhoneSdp;

class EventLog : public CallObserver {
 public:
  void onCallEvent(CallEvent event, const Dialog&) override { events.push_back(event); }
  std::vector<CallEvent> events;
};

class ProxyHoldTest : public testing::ProxyMediaHarness {
 protected:
  void SetUp() override {
    ProxyMediaHarness::SetUp();
    establishBrowserToPhone();
    relay_.drainOk();
    dialogId_ = proxy_->dialogs().find("call-1")->id;
    proxy_->calls().addObserver(log_);
  }

  // One round: the relay gets the other side's SDP in the hold's direction; the side gets our
  // re-INVITE with the relay's SDP and answers 200 with `answer`.
  void round(const std::string& fromTag, const std::string& direction, const sip::Flow& side,
             const SocketAddress& at, const std::string& answer, const char* tag) {
    EXPECT_EQ(relay_.command(), "offer");
    EXPECT_EQ(relay_.at("from-tag"), fromTag);
    EXPECT_NE(relay_.at("sdp").find("a=" + direction + "\r\n"), std::string::npos)
        << relay_.at("sdp");
    relay_.replySdp("relay-sdp-" + direction);
    auto reinvite = sentTo(at, "INVITE");
    ASSERT_TRUE(reinvite);
    EXPECT_EQ(reinvite->body(), "relay-sdp-" + direction);
    answerFrom(side, *reinvite, 200, answer.c_str(), tag);
    EXPECT_EQ(relay_.command(), "answer");
    relay_.replySdp("ignored");
  }

  const Dialog& call() { return *proxy_->dialogs().findById(dialogId_); }

  std::uint64_t dialogId_ = 0;
  EventLog log_;
};

TEST_F(ProxyHoldTest, HoldAndResumeReinviteBothSidesCalleeFirst) {
  EXPECT_EQ(proxy_->hold(dialogId_, true), ProxyCore::HoldOutcome::Started);
  EXPECT_EQ(proxy_->hold(dialogId_, true), ProxyCore::HoldOutcome::Busy) << "one at a time";
  const std::string bobHeld = std::string(kPhoneSdp) + "a=inactive\r\n";
  round("alice1", "inactive", bobFlow, bob, bobHeld, "bob1");
  EXPECT_TRUE(log_.events.empty()) << "held once both sides answered";
  round("bob1", "inactive", browser, browser.remote, std::string(kBrowserSdp) + "a=inactive\r\n",
        "alice1");
  EXPECT_TRUE(call().onHold);
  ASSERT_EQ(log_.events.size(), 1u);
  EXPECT_EQ(log_.events[0], CallEvent::Held);
  EXPECT_EQ(proxy_->hold(dialogId_, true), ProxyCore::HoldOutcome::Unchanged);

  EXPECT_EQ(proxy_->hold(dialogId_, false), ProxyCore::HoldOutcome::Started);
  round("alice1", "sendrecv", bobFlow, bob, kPhoneSdp, "bob1");
  round("bob1", "sendrecv", browser, browser.remote, kBrowserSdp, "alice1");
  EXPECT_FALSE(call().onHold);
  ASSERT_EQ(log_.events.size(), 2u);
  EXPECT_EQ(log_.events[1], CallEvent::Resumed);
  EXPECT_EQ(proxy_->stats().holds, 2u);
  EXPECT_EQ(proxy_->stats().holdsFailed, 0u);
}

TEST_F(ProxyHoldTest, ARefusedHoldLeavesTheCallAsItWas) {
  ASSERT_EQ(proxy_->hold(dialogId_, true), ProxyCore::HoldOutcome::Started);
  relay_.replySdp("relay-sdp");
  auto reinvite = sentTo(bob, "INVITE");
  ASSERT_TRUE(reinvite);
  answerFrom(bobFlow, *reinvite, 488);
  EXPECT_FALSE(call().onHold);
  EXPECT_TRUE(log_.events.empty());
  EXPECT_EQ(proxy_->stats().holdsFailed, 1u);
  EXPECT_EQ(proxy_->stats().relayMovesFailed, 0u);
  EXPECT_FALSE(sentTo(bob, "BYE")) << "the call goes on";
  EXPECT_EQ(proxy_->hold(dialogId_, true), ProxyCore::HoldOutcome::Started) << "and may try again";
}

TEST_F(ProxyHoldTest, UnknownCallsAndDirectMediaCannotBeHeld) {
  EXPECT_EQ(proxy_->hold(dialogId_ + 100, true), ProxyCore::HoldOutcome::NoSuchCall);
  proxy_->dialogs().findById(dialogId_)->anchored = false;
  EXPECT_EQ(proxy_->hold(dialogId_, true), ProxyCore::HoldOutcome::NotPossible);
}

}  // namespace
}  // namespace rtcgate::proxy
