// Digits between a browser that sends SIP INFO (JsSIP's default, no telephone-event in its SDP)
// and a phone that negotiated RFC 4733: INFO becomes events played by the relay, the phone's
// events become INFO toward the browser, one INFO of ours at a time; the API's digits take the
// form the target side takes; every digit is reported once.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "unit/proxy/ProxyMediaHarness.hpp"

namespace rtcgate::proxy {
namespace {

using sip::SipMessage;
using testing::kBrowserSdp;
using testing::kPhoneSdp;

constexpr char kPhoneSdpWithEvents[] =
    "v=0\r\no=- 1 2 IN IP4 127.0.0.9\r\ns=-\r\nc=IN IP4 127.0.0.9\r\nt=0 0\r\n"
    "m=audio 6000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n";

class DigitLog : public CallObserver {
 public:
  void onDtmf(const Dialog&, const DtmfDigit& digit) override { digits.push_back(digit); }
  std::vector<DtmfDigit> digits;
};

class ProxyDtmfTest : public testing::ProxyMediaHarness {
 protected:
  // Browser alice calls phone bob, who answers with `phoneSdp`; media through the relay.
  void establish(const char* phoneSdp) {
    proxy_->onMessage(invite("bob", "SIP/2.0/WSS a.invalid", kBrowserSdp), browser);
    relay_.replySdp("relayed-offer");
    auto forwarded = sentTo(bob, "INVITE");
    ASSERT_TRUE(forwarded);
    answerFrom(bobFlow, *forwarded, 200, phoneSdp);
    relay_.replySdp("relayed-answer");
    relay_.drainOk();
    dialogId_ = proxy_->dialogs().find("call-1")->id;
    proxy_->calls().addObserver(log_);
    sent_.clear();
  }

  // JsSIP's INFO for `digit`, from the browser along the dialog's route.
  void browserInfo(char digit, int cseq) {
    const std::string body = std::string("Signal=") + digit + "\r\nDuration=100\r\n";
    proxy_->onMessage(
        "INFO sip:bob@127.0.0.1:5070 SIP/2.0\r\nVia: SIP/2.0/WSS a.invalid;branch=z9hG4bKinfo" +
            std::to_string(cseq) +
            "\r\nMax-Forwards: 70\r\nRoute: <sip:127.0.0.1:8443;transport=wss;lr;r2=on>\r\n"
            "From: <sip:alice@localhost>;tag=alice1\r\nTo: <sip:bob@localhost>;tag=bob1\r\n"
            "Call-ID: call-1\r\nCSeq: " +
            std::to_string(cseq) +
            " INFO\r\nContent-Type: application/dtmf-relay\r\nContent-Length: " +
            std::to_string(body.size()) + "\r\n\r\n" + body,
        browser);
  }

  void answer200(const sip::Flow& flow, const SipMessage& request) {
    proxy_->onMessage(request.makeResponse(200, "OK").serialize(), flow);
  }

  const Dialog& call() { return *proxy_->dialogs().findById(dialogId_); }

  std::uint64_t dialogId_ = 0;
  DigitLog log_;
};

TEST_F(ProxyDtmfTest, BrowserInfoBecomesEventsTowardAPhoneWithTelephoneEvent) {
  establish(kPhoneSdpWithEvents);
  browserInfo('5', 2);
  auto ok = sentTo(browser.remote, "SIP/2.0 200");
  ASSERT_TRUE(ok) << "the INFO is answered by us";
  EXPECT_EQ(ok->cseqMethodText(), "INFO");
  EXPECT_EQ(countSentTo(bob, "INFO"), 0u) << "the phone gets events, not the INFO";
  ASSERT_EQ(relay_.pending.size(), 1u);
  EXPECT_EQ(relay_.command(), "play DTMF");
  EXPECT_EQ(relay_.at("from-tag"), "alice1") << "as if the browser had sent them";
  EXPECT_EQ(relay_.at("code"), "5");
  EXPECT_EQ(relay_.pending.front().request.find("duration")->integerValue(), 100);
  relay_.replySdp("");
  ASSERT_EQ(log_.digits.size(), 1u);
  EXPECT_EQ(log_.digits[0].digit, '5');
  EXPECT_TRUE(log_.digits[0].fromCaller);
  EXPECT_EQ(log_.digits[0].source, DtmfDigit::Source::Info);
  EXPECT_EQ(log_.digits[0].delivery, DtmfDigit::Delivery::AsRfc4733);
  EXPECT_EQ(proxy_->stats().dtmfConverted, 1u);
}

TEST_F(ProxyDtmfTest, ARelayThatCannotPlayLeavesInfoAsTheWay) {
  establish(kPhoneSdpWithEvents);
  browserInfo('7', 2);
  relay_.replyError();
  auto info = sentTo(bob, "INFO");
  ASSERT_TRUE(info) << "our own INFO to the phone, in the browser's name";
  EXPECT_EQ(info->fromTag(), "alice1");
  EXPECT_EQ(info->toTag(), "bob1");
  EXPECT_EQ(info->body(), "Signal=7\r\nDuration=100\r\n");
  ASSERT_EQ(log_.digits.size(), 1u);
  EXPECT_EQ(log_.digits[0].delivery, DtmfDigit::Delivery::Passed);
}

TEST_F(ProxyDtmfTest, InfoPassesToAPhoneWithoutTelephoneEvent) {
  establish(kPhoneSdp);
  browserInfo('1', 2);
  EXPECT_TRUE(relay_.pending.empty()) << "nothing for the relay to play";
  auto info = sentTo(bob, "INFO");
  ASSERT_TRUE(info) << "forwarded as it came";
  EXPECT_EQ(info->body(), "Signal=1\r\nDuration=100\r\n");
  EXPECT_EQ(info->cseq(), 2u);
  ASSERT_EQ(log_.digits.size(), 1u);
  EXPECT_EQ(log_.digits[0].source, DtmfDigit::Source::Info);
  EXPECT_EQ(log_.digits[0].delivery, DtmfDigit::Delivery::Passed);
}

TEST_F(ProxyDtmfTest, PhoneEventsReachTheBrowserAsInfoOneAtATime) {
  establish(kPhoneSdpWithEvents);
  proxy_->relayDigit("call-1", "bob1", '4', 120, 10);
  proxy_->relayDigit("call-1", "bob1", '2', 120, 10);
  EXPECT_EQ(countSentTo(browser.remote, "INFO"), 1u) << "the second waits for the first's answer";
  auto first = sentTo(browser.remote, "INFO");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->fromTag(), "bob1") << "in the phone's name";
  EXPECT_EQ(first->toTag(), "alice1");
  EXPECT_EQ(first->body(), "Signal=4\r\nDuration=120\r\n");
  EXPECT_EQ(first->find(sip::HeaderId::ContentType)->value, "application/dtmf-relay");
  answer200(browser, *first);
  EXPECT_EQ(countSentTo(browser.remote, "INFO"), 2u);
  auto second = sentTo(browser.remote, "INFO");
  EXPECT_EQ(second->body(), "Signal=2\r\nDuration=120\r\n");
  EXPECT_EQ(second->cseq(), first->cseq() + 1);
  ASSERT_EQ(log_.digits.size(), 2u);
  EXPECT_FALSE(log_.digits[0].fromCaller);
  EXPECT_EQ(log_.digits[0].source, DtmfDigit::Source::Rfc4733);
  EXPECT_EQ(log_.digits[0].delivery, DtmfDigit::Delivery::AsInfo);
  EXPECT_EQ(log_.digits[0].volume, 10);
  EXPECT_EQ(proxy_->stats().dtmfConverted, 2u);

  // The phone's next request is numbered above our two INFOs in its name.
  answer200(browser, *second);
  EXPECT_EQ(call().callee.cseqShift, 2u);
}

TEST_F(ProxyDtmfTest, ABrowserTakingEventsOnlyGetsNoInfo) {
  establish(kPhoneSdpWithEvents);
  proxy_->dialogs().findById(dialogId_)->caller.dtmf = DtmfMode::Rfc4733;
  proxy_->relayDigit("call-1", "bob1", '9', 100, 10);
  EXPECT_EQ(countSentTo(browser.remote, "INFO"), 0u);
  ASSERT_EQ(log_.digits.size(), 1u);
  EXPECT_EQ(log_.digits[0].delivery, DtmfDigit::Delivery::Passed);
}

TEST_F(ProxyDtmfTest, AFailedInfoIsCountedAndTheNextDigitStillGoes) {
  establish(kPhoneSdpWithEvents);
  proxy_->relayDigit("call-1", "bob1", '1', 100, 10);
  proxy_->relayDigit("call-1", "bob1", '2', 100, 10);
  auto first = sentTo(browser.remote, "INFO");
  ASSERT_TRUE(first);
  proxy_->onMessage(first->makeResponse(415, "Unsupported Media Type").serialize(), browser);
  EXPECT_EQ(proxy_->stats().dtmfInfoFailed, 1u);
  EXPECT_EQ(countSentTo(browser.remote, "INFO"), 2u);
}

TEST_F(ProxyDtmfTest, ApiDigitsGoAsEventsOrInfoAsTheTargetTakes) {
  establish(kPhoneSdpWithEvents);
  std::vector<DtmfDigit::Delivery> outcomes;
  auto done = [&](Result<ProxyCore::DigitsSent, std::string> sent) {
    ASSERT_TRUE(sent) << sent.error();
    outcomes.push_back(sent->as);
  };
  EXPECT_EQ(proxy_->sendDigits(dialogId_, false, "12#", 100, done), ProxyCore::DigitsRefusal::None);
  ASSERT_EQ(relay_.pending.size(), 1u);
  EXPECT_EQ(relay_.command(), "play DTMF");
  EXPECT_EQ(relay_.at("from-tag"), "alice1") << "toward the callee: in the caller's stream";
  EXPECT_EQ(relay_.at("code"), "12#");
  relay_.replySdp("");

  EXPECT_EQ(proxy_->sendDigits(dialogId_, true, "34", 200, done), ProxyCore::DigitsRefusal::None);
  EXPECT_TRUE(relay_.pending.empty()) << "the browser negotiated no telephone-event";
  auto info = sentTo(browser.remote, "INFO");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->body(), "Signal=3\r\nDuration=200\r\n");

  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[0], DtmfDigit::Delivery::AsRfc4733);
  EXPECT_EQ(outcomes[1], DtmfDigit::Delivery::AsInfo);
  ASSERT_EQ(log_.digits.size(), 5u);
  EXPECT_EQ(log_.digits[0].source, DtmfDigit::Source::Api);
  EXPECT_TRUE(log_.digits[0].fromCaller) << "toward the callee";
  EXPECT_EQ(log_.digits[2].digit, '#');
  EXPECT_FALSE(log_.digits[3].fromCaller);
  EXPECT_EQ(proxy_->sendDigits(12345, true, "1", 100, done), ProxyCore::DigitsRefusal::NoSuchCall);
}

}  // namespace
}  // namespace rtcgate::proxy
