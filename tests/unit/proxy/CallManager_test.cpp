#include "proxy/CallManager.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fakes/FakeRelay.hpp"
#include "fakes/FakeTimers.hpp"

namespace rtcgate::proxy {
namespace {

SocketAddress address(const char* host, std::uint16_t port) {
  return *SocketAddress::parse(host, port);
}

// Records what it hears, under its own name, into a log shared with other observers.
class LoggingObserver : public CallObserver {
 public:
  LoggingObserver(std::string name, std::vector<std::string>& log)
      : name_(std::move(name)), log_(log) {}
  void onCallEvent(CallEvent event, const Dialog&) override {
    log_.push_back(name_ + ":" + std::string(callEventName(event)));
  }
  void onCallRecord(const Dialog& call, const ng::Value* report) override {
    log_.push_back(name_ + ":record " + call.endReason + (report ? " with stats" : " bare"));
  }

 private:
  std::string name_;
  std::vector<std::string>& log_;
};

// The CallManager on its own: a stand-in for the forwarding above it, its BYEs captured from the
// transaction layer's sends, its relay answered by hand.
class CallManagerTest : public ::testing::Test, public CallManager::Delegate {
 protected:
  static CallManagerOptions options() {
    CallManagerOptions options;
    options.dialogTimeout = std::chrono::hours(1);
    options.mediaTimeout = Duration{0};
    options.sweepInterval = std::chrono::seconds(5);
    return options;
  }

  // CallManager::Delegate
  bool cancelUnanswered(Dialog& dialog, const std::string& reason) override {
    cancelled_.push_back(dialog.callId + " " + reason);
    return inviteOut_;
  }
  void callEnding(const Dialog& dialog) override { ending_.push_back(dialog.callId); }

  // A call between a phone at 5070 and one at 5080, its media through the relay.
  Dialog& call(Dialog::State state) {
    Dialog& dialog = calls_.dialogs().create("call-1");
    dialog.state = state;
    dialog.anchored = true;
    dialog.answeredAt = timers_.now();
    setSide(dialog.caller, "a", 5070);
    setSide(dialog.callee, "b", 5080);
    return dialog;
  }
  void setSide(DialogSide& side, const std::string& tag, std::uint16_t port) {
    side.tag = tag;
    side.uri = "sip:" + tag + "@127.0.0.1";
    side.nameAddr = "<" + side.uri + ">;tag=" + tag;
    side.contact = "sip:" + tag + "@127.0.0.1:" + std::to_string(port);
    side.cseq = 1;
    calls_.dialogs().setFlow(side,
                             sip::Flow{sip::Transport::Udp, local_, address("127.0.0.1", port), 0});
  }
  std::vector<std::string> sentStartingWith(std::string_view start) const {
    std::vector<std::string> out;
    for (const auto& bytes : sent_) {
      if (std::string_view(bytes).starts_with(start)) out.push_back(bytes);
    }
    return out;
  }

  struct NoUser : transaction::TransactionUser {
    void onRequest(transaction::TransactionId, sip::SipMessage&&, const sip::Flow&) override {}
    void onAck(sip::SipMessage&&, const sip::Flow&) override {}
    void onCancel(transaction::TransactionId, transaction::TransactionId, sip::SipMessage&&,
                  const sip::Flow&) override {}
    void onResponse(transaction::TransactionId, sip::SipMessage&&, const sip::Flow&) override {}
    void onStrayResponse(sip::SipMessage&&, const sip::Flow&) override {}
    void onTimeout(transaction::TransactionId) override {}
    void onTransportError(transaction::TransactionId) override {}
  };

  const SocketAddress local_ = address("127.0.0.1", 5060);
  rtcgate::testing::FakeTimers timers_;
  rtcgate::testing::FakeRelay relay_;
  NoUser user_;
  std::vector<std::string> sent_;
  transaction::TransactionLayer transactions_{timers_,
                                              [this](const sip::Flow&, std::string_view bytes) {
                                                sent_.emplace_back(bytes);
                                                return true;
                                              },
                                              user_, transaction::TimerValues{}};
  LocalIdentity identity_{{"localhost"}, {{sip::Transport::Udp, local_, "127.0.0.1"}}};
  CallManager calls_{options(), *this, timers_, identity_, transactions_};
  bool inviteOut_ = false;
  std::vector<std::string> cancelled_;
  std::vector<std::string> ending_;
};

TEST_F(CallManagerTest, ObserversHearEveryEventInTheirOrderAndTheRecordOnceTheRelayAnswers) {
  std::vector<std::string> log;
  LoggingObserver first("first", log), second("second", log);
  calls_.addObserver(first);
  calls_.addObserver(second);
  calls_.setMediaControl(&relay_);
  Dialog& dialog = call(Dialog::State::Confirmed);

  calls_.callEvent(CallEvent::Answered, dialog);
  calls_.endDialog(dialog, "caller-bye", 200);
  EXPECT_EQ(log, (std::vector<std::string>{"first:answered", "second:answered", "first:ended",
                                           "second:ended"}));
  EXPECT_EQ(ending_, (std::vector<std::string>{"call-1"}));
  EXPECT_EQ(calls_.dialogs().find("call-1"), nullptr);

  // The record waits for the relay's final statistics (the delete reply).
  ASSERT_EQ(relay_.pending.size(), 1u);
  EXPECT_EQ(relay_.command(), "delete");
  relay_.replySdp("");
  EXPECT_EQ(log.size(), 6u);
  EXPECT_EQ(log[4], "first:record caller-bye with stats");
  EXPECT_EQ(log[5], "second:record caller-bye with stats");
}

TEST_F(CallManagerTest, HangingUpBeforeTheAnswerCancelsTheInviteThatIsOut) {
  Dialog& dialog = call(Dialog::State::Early);
  inviteOut_ = true;
  EXPECT_TRUE(calls_.hangup(dialog.id, "api-hangup"));
  EXPECT_EQ(cancelled_, (std::vector<std::string>{"call-1 api-hangup"}));
  EXPECT_NE(calls_.dialogs().find("call-1"), nullptr) << "the 487 ends it, not the hang-up";
  EXPECT_TRUE(ending_.empty());
  EXPECT_TRUE(sentStartingWith("BYE").empty());
}

TEST_F(CallManagerTest, HangingUpBeforeTheAnswerWithNoInviteOutEndsTheCallAs487) {
  std::vector<std::string> log;
  LoggingObserver observer("o", log);
  calls_.addObserver(observer);
  Dialog& dialog = call(Dialog::State::Early);
  const auto id = dialog.id;
  EXPECT_TRUE(calls_.hangup(id, "api-hangup"));
  EXPECT_EQ(calls_.dialogs().findById(id), nullptr);
  EXPECT_EQ(log, (std::vector<std::string>{"o:ended", "o:record api-hangup bare"}));
  EXPECT_FALSE(calls_.hangup(id, "api-hangup")) << "gone already";
}

TEST_F(CallManagerTest, ACallPastTheDialogTimeoutGetsAByeOnBothSides) {
  std::vector<std::string> log;
  LoggingObserver observer("o", log);
  calls_.addObserver(observer);
  calls_.setMediaControl(nullptr);  // starts the sweep; no relay to ask
  call(Dialog::State::Confirmed);

  timers_.advance(std::chrono::minutes(59));
  EXPECT_TRUE(sentStartingWith("BYE").empty());
  // The sweep runs every 5 s: the one at 1 h 5 s finds the call past its hour (and stopping
  // there leaves the BYEs unretransmitted).
  timers_.advance(std::chrono::seconds(65));
  const auto byes = sentStartingWith("BYE");
  ASSERT_EQ(byes.size(), 2u);
  EXPECT_TRUE(byes[0].starts_with("BYE sip:b@127.0.0.1:5080 SIP/2.0"));
  EXPECT_TRUE(byes[1].starts_with("BYE sip:a@127.0.0.1:5070 SIP/2.0"));
  for (const auto& bye : byes) {
    EXPECT_NE(bye.find("Reason: SIP;cause=200;text=\"dialog-timeout\""), std::string::npos);
  }
  // Each BYE is in the other side's name, one past the CSeq that side last sent.
  EXPECT_NE(byes[0].find("CSeq: 2 BYE"), std::string::npos);
  EXPECT_EQ(log, (std::vector<std::string>{"o:ended", "o:record dialog-timeout bare"}));
}

}  // namespace
}  // namespace rtcgate::proxy
