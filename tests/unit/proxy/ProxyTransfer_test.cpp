// Blind transfer through the API (POST /api/v1/calls/{id}/transfer): a REFER to the transferee
// in the other side's name; the transferee's NOTIFYs are answered by us, never reach the other
// side, and are reported; once the target answered, both sides get a BYE.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "unit/proxy/ProxyMediaHarness.hpp"

namespace rtcgate::proxy {
namespace {

using sip::SipMessage;
using State = TransferUpdate::State;

class TransferLog : public CallObserver {
 public:
  void onTransfer(const Dialog&, const TransferUpdate& update) override {
    updates.push_back(update);
  }
  std::vector<TransferUpdate> updates;
};

class ProxyTransferTest : public testing::ProxyMediaHarness {
 protected:
  void SetUp() override {
    ProxyMediaHarness::SetUp();
    establishBrowserToPhone();
    relay_.drainOk();
    dialogId_ = proxy_->dialogs().find("call-1")->id;
    proxy_->calls().addObserver(log_);
    sent_.clear();
  }

  // The browser (alice, the caller) is asked to call carol; returns our REFER.
  SipMessage referTheBrowser() {
    std::string why;
    EXPECT_EQ(proxy_->transfer(dialogId_, true, "sip:carol@example.com", why),
              ProxyCore::TransferRefusal::None)
        << why;
    auto refer = sentTo(browser.remote, "REFER");
    EXPECT_TRUE(refer);
    return std::move(*refer);
  }

  // A NOTIFY of alice's subscription, toward bob along the dialog's route.
  void browserNotify(int cseq, const std::string& frag, bool terminated,
                     const char* from = "alice1", const char* to = "bob1") {
    const std::string state = terminated ? "terminated;reason=noresource" : "active;expires=60";
    proxy_->onMessage(
        "NOTIFY sip:bob@127.0.0.1:5070 SIP/2.0\r\nVia: SIP/2.0/WSS a.invalid;branch=z9hG4bKn" +
            std::to_string(cseq) +
            "\r\nMax-Forwards: 70\r\nRoute: <sip:127.0.0.1:8443;transport=wss;lr;r2=on>\r\n"
            "From: <sip:alice@localhost>;tag=" +
            from + "\r\nTo: <sip:bob@localhost>;tag=" + to + "\r\nCall-ID: call-1\r\nCSeq: " +
            std::to_string(cseq) + " NOTIFY\r\nEvent: refer\r\nSubscription-State: " + state +
            "\r\nContent-Type: message/sipfrag;version=2.0\r\nContent-Length: " +
            std::to_string(frag.size()) + "\r\n\r\n" + frag,
        browser);
  }

  std::vector<State> states() const {
    std::vector<State> out;
    for (const auto& update : log_.updates) out.push_back(update.state);
    return out;
  }

  std::uint64_t dialogId_ = 0;
  TransferLog log_;
};

TEST_F(ProxyTransferTest, TheTransfereeCallsTheTargetAndTheCallEnds) {
  const auto refer = referTheBrowser();
  EXPECT_EQ(refer.fromTag(), "bob1") << "in the other side's name";
  EXPECT_EQ(refer.toTag(), "alice1");
  ASSERT_TRUE(refer.find("Refer-To"));
  EXPECT_EQ(refer.find("Refer-To")->value, "<sip:carol@example.com>");
  ASSERT_TRUE(refer.find("Referred-By"));
  EXPECT_EQ(refer.cseq(), 1u) << "bob had sent nothing: his sequence starts here";

  answerFrom(browser, refer, 202, nullptr, "alice1");
  browserNotify(2, "SIP/2.0 100 Trying\r\n", false);
  EXPECT_EQ(countSentTo(bob, "NOTIFY"), 0u) << "bob has no subscription: the NOTIFY is ours";
  auto ok = sentTo(browser.remote, "SIP/2.0 200");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->cseqMethodText(), "NOTIFY");
  browserNotify(3, "SIP/2.0 180 Ringing\r\n", false);
  browserNotify(4, "SIP/2.0 200 OK\r\n", true);

  EXPECT_EQ(states(), (std::vector<State>{State::Requested, State::Accepted, State::Progress,
                                          State::Progress, State::Completed}));
  EXPECT_EQ(log_.updates[2].status, 100);
  EXPECT_EQ(log_.updates[4].status, 200);
  EXPECT_TRUE(log_.updates.back().transfereeIsCaller);
  EXPECT_TRUE(sentTo(bob, "BYE")) << "the transferor leaves";
  EXPECT_TRUE(sentTo(browser.remote, "BYE"));
  EXPECT_EQ(proxy_->dialogs().findById(dialogId_), nullptr);
  relay_.drainOk();
  ASSERT_FALSE(ended_.empty());
  EXPECT_EQ(ended_.back(), "transferred");
  EXPECT_EQ(proxy_->stats().transfers, 1u);
  EXPECT_EQ(proxy_->stats().transfersCompleted, 1u);
}

TEST_F(ProxyTransferTest, ARefusedReferLeavesTheCallAndAllowsAnother) {
  const auto refer = referTheBrowser();
  answerFrom(browser, refer, 603, nullptr, "alice1");
  EXPECT_EQ(states(), (std::vector<State>{State::Requested, State::Failed}));
  EXPECT_EQ(log_.updates.back().status, 603);
  EXPECT_FALSE(sentTo(bob, "BYE"));
  ASSERT_NE(proxy_->dialogs().findById(dialogId_), nullptr);
  EXPECT_EQ(proxy_->stats().transfersFailed, 1u);
  sent_.clear();
  const auto again = referTheBrowser();
  EXPECT_EQ(again.cseq(), 2u) << "bob's CSeq space moves on";
}

TEST_F(ProxyTransferTest, ATargetThatDoesNotAnswerFailsTheTransferOnly) {
  const auto refer = referTheBrowser();
  answerFrom(browser, refer, 202, nullptr, "alice1");
  browserNotify(2, "SIP/2.0 486 Busy Here\r\n", true);
  EXPECT_EQ(states(), (std::vector<State>{State::Requested, State::Accepted, State::Failed}));
  EXPECT_EQ(log_.updates.back().status, 486);
  EXPECT_FALSE(sentTo(bob, "BYE"));
  EXPECT_NE(proxy_->dialogs().findById(dialogId_), nullptr);
}

TEST_F(ProxyTransferTest, NotifiesOfOthersAndWithoutATransferAreForwarded) {
  browserNotify(2, "SIP/2.0 200 OK\r\n", true);
  EXPECT_EQ(countSentTo(bob, "NOTIFY"), 1u) << "no transfer of ours: not ours to answer";
  EXPECT_TRUE(log_.updates.empty());
}

TEST_F(ProxyTransferTest, OnlyAnsweredCallsOneAtATime) {
  std::string why;
  EXPECT_EQ(proxy_->transfer(dialogId_ + 100, true, "sip:carol@example.com", why),
            ProxyCore::TransferRefusal::NoSuchCall);
  referTheBrowser();
  EXPECT_EQ(proxy_->transfer(dialogId_, false, "sip:carol@example.com", why),
            ProxyCore::TransferRefusal::Busy);
}

TEST_F(ProxyTransferTest, TheCalleeCanBeTheTransferee) {
  std::string why;
  ASSERT_EQ(proxy_->transfer(dialogId_, false, "sip:carol@example.com", why),
            ProxyCore::TransferRefusal::None);
  auto refer = sentTo(bob, "REFER");
  ASSERT_TRUE(refer);
  EXPECT_EQ(refer->fromTag(), "alice1");
  EXPECT_EQ(refer->toTag(), "bob1");
  EXPECT_FALSE(sentTo(browser.remote, "REFER"));
}

// Attended: alice's second call to bob (call-2) is the one bob is to take over from her (he is the
// transferee of call-1): the REFER names bob's side of call-2 as the target, with a Replaces of
// that dialog as bob's phone knows it.
TEST_F(ProxyTransferTest, AnAttendedTransferNamesTheOtherCallsDialog) {
  std::string second = invite("bob", "SIP/2.0/WSS a.invalid", testing::kBrowserSdp, "call-2");
  second.replace(second.find("z9hG4bKcaller1"), 14, "z9hG4bKcaller2");
  proxy_->onMessage(second, browser);
  relay_.replySdp("relayed-offer-2");
  auto forwarded = sentTo(bob, "INVITE");
  ASSERT_TRUE(forwarded);
  answerFrom(bobFlow, *forwarded, 200, testing::kPhoneSdp, "bob2");
  relay_.replySdp("relayed-answer-2");
  relay_.drainOk();
  const auto secondId = proxy_->dialogs().find("call-2")->id;
  sent_.clear();

  std::string why;
  ASSERT_EQ(proxy_->transferReplacing(dialogId_, false, secondId, std::nullopt, why),
            ProxyCore::TransferRefusal::None)
      << why;
  auto refer = sentTo(bob, "REFER");
  ASSERT_TRUE(refer);
  EXPECT_EQ(refer->callId(), "call-1");
  ASSERT_TRUE(refer->find("Refer-To"));
  EXPECT_EQ(refer->find("Refer-To")->value,
            "<sip:bob@localhost?Replaces=call-2%3Bto-tag%3Dbob2%3Bfrom-tag%3Dalice1>");
  ASSERT_FALSE(log_.updates.empty());
  EXPECT_EQ(log_.updates.back().replaces, secondId);
  EXPECT_EQ(log_.updates.back().target, "sip:bob@localhost");
}

TEST_F(ProxyTransferTest, AnAttendedTransferNeedsAnotherAnsweredCall) {
  std::string why;
  EXPECT_EQ(proxy_->transferReplacing(dialogId_, true, dialogId_, std::nullopt, why),
            ProxyCore::TransferRefusal::BadReplaces);
  EXPECT_EQ(proxy_->transferReplacing(dialogId_, true, dialogId_ + 7, std::nullopt, why),
            ProxyCore::TransferRefusal::BadReplaces);
  EXPECT_FALSE(why.empty());
  EXPECT_FALSE(sentTo(browser.remote, "REFER"));
}

}  // namespace
}  // namespace rtcgate::proxy
