// Calls placed through the API (RFC 3725 flow I): the proxy as the user agent on both legs.
#include <gtest/gtest.h>

#include <cstring>

#include "unit/proxy/ProxyHarness.hpp"

namespace rtcgate::proxy {
namespace {

using sip::HeaderId;
using sip::SipMessage;
using sip::Transport;

constexpr char kBrowserOffer[] =
    "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 40000 UDP/TLS/RTP/SAVPF 0\r\n"
    "c=IN IP4 127.0.0.1\r\na=rtcp-mux\r\na=setup:actpass\r\n";
constexpr char kPhoneAnswer[] =
    "v=0\r\no=- 1 2 IN IP4 127.0.0.9\r\ns=-\r\nc=IN IP4 127.0.0.9\r\nt=0 0\r\n"
    "m=audio 6000 RTP/AVP 0\r\n";

class CallOriginatorTest : public testing::ProxyHarness {
 protected:
  std::optional<SipMessage> last(const sip::Flow& flow, std::string_view start) {
    return sentTo(flow.remote, start);
  }
  std::size_t count(const sip::Flow& flow, std::string_view start) const {
    return countSentTo(flow.remote, start);
  }

  void respond(const sip::Flow& flow, const SipMessage& request, int status, const char* sdp,
               std::string_view tag, const char* contact) {
    auto response = request.makeResponse(status, status == 200 ? "OK" : "Whatever", tag);
    response.appendHeader(HeaderId::Contact, contact);
    if (sdp) response.setBody(sdp, "application/sdp");
    proxy_->onMessage(response.serialize(), flow);
  }

  // carol (browser) answers with her offer; the relay turns it into one for bob.
  SipMessage carolAnswers() {
    auto invite = last(browser, "INVITE");
    EXPECT_TRUE(invite);
    respond(browser, *invite, 200, kBrowserOffer, "carol1", "<sip:carol@x.invalid;transport=ws>");
    EXPECT_EQ(relay_.command(), "offer");
    relay_.replySdp("offer-for-bob");
    auto toBob = last(phone, "INVITE");
    EXPECT_TRUE(toBob);
    return std::move(*toBob);
  }

  const sip::Flow& phone = bobFlow;
};

TEST_F(CallOriginatorTest, RingsAThenBridgesBThroughTheRelay) {
  const auto id = proxy_->originate("carol", "bob");
  ASSERT_TRUE(id) << id.error().reason;
  auto toCarol = last(browser, "INVITE");
  ASSERT_TRUE(toCarol);
  EXPECT_TRUE(toCarol->body().empty()) << "A is called without an offer";
  EXPECT_NE(toCarol->find(HeaderId::From)->value.find("sip:bob@localhost"), std::string_view::npos);
  EXPECT_EQ(toCarol->requestUri(), "sip:carol@x.invalid;transport=ws");
  EXPECT_FALSE(last(phone, "INVITE")) << "B waits until A answers";

  auto toBob = carolAnswers();
  EXPECT_EQ(relay_.pending.size(), 0u);
  EXPECT_EQ(toBob.body(), "offer-for-bob");
  EXPECT_NE(toBob.callId(), toCarol->callId()) << "each leg is its own dialog";
  EXPECT_NE(toBob.find(HeaderId::From)->value.find("sip:carol@localhost"), std::string_view::npos);
  EXPECT_EQ(count(browser, "ACK"), 0u) << "A's ACK carries B's answer, which is not there yet";

  respond(phone, toBob, 180, nullptr, "bob1", "<sip:bob@127.0.0.1:5070>");
  respond(phone, toBob, 200, kPhoneAnswer, "bob1", "<sip:bob@127.0.0.1:5070>");
  ASSERT_EQ(relay_.command(), "answer");
  EXPECT_EQ(relay_.at("from-tag"), "carol1");
  EXPECT_EQ(relay_.at("to-tag"), "bob1");
  EXPECT_EQ(relay_.at("call-id"), std::string(toCarol->callId()));
  relay_.replySdp("answer-for-carol");
  auto ackBob = last(phone, "ACK");
  ASSERT_TRUE(ackBob);
  EXPECT_TRUE(ackBob->body().empty());
  EXPECT_EQ(ackBob->callId(), toBob.callId());
  auto ackCarol = last(browser, "ACK");
  ASSERT_TRUE(ackCarol);
  EXPECT_EQ(ackCarol->body(), "answer-for-carol");
  EXPECT_EQ(ackCarol->toTag(), "carol1");
  Dialog* dialog = proxy_->dialogs().findById(*id);
  ASSERT_NE(dialog, nullptr);
  EXPECT_EQ(dialog->state, Dialog::State::Confirmed);
  EXPECT_TRUE(dialog->anchored);
  EXPECT_EQ(callLog_.events, (std::vector<std::string>{"incoming", "ringing", "answered"}));

  // bob hangs up in his own dialog; carol gets our BYE in hers.
  const std::string bye =
      "BYE sip:rtcgate@127.0.0.1:5060 SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKbye1\r\n"
      "Max-Forwards: 70\r\nFrom: <sip:bob@localhost>;tag=bob1\r\nTo: " +
      std::string(toBob.find(HeaderId::From)->value) +
      "\r\nCall-ID: " + std::string(toBob.callId()) +
      "\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n";
  proxy_->onMessage(bye, phone);
  EXPECT_TRUE(last(phone, "SIP/2.0 200"));
  auto byeCarol = last(browser, "BYE");
  ASSERT_TRUE(byeCarol);
  EXPECT_EQ(byeCarol->callId(), toCarol->callId());
  EXPECT_EQ(byeCarol->toTag(), "carol1");
  EXPECT_EQ(byeCarol->fromTag(), toCarol->fromTag());
  EXPECT_EQ(byeCarol->cseq(), 2u);
  EXPECT_EQ(ended_.size(), 0u) << "the CDR waits for the relay's final statistics";
  ASSERT_EQ(relay_.command(), "delete");
  relay_.drainOk();
  EXPECT_EQ(ended_, (std::vector<std::string>{"callee-bye"}));
  EXPECT_EQ(proxy_->dialogs().size(), 0u);
}

TEST_F(CallOriginatorTest, BusyBGetsAAckedAndHungUp) {
  ASSERT_TRUE(proxy_->originate("carol", "sip:bob@localhost"));
  auto toBob = carolAnswers();
  respond(phone, toBob, 486, nullptr, "bob1", "<sip:bob@127.0.0.1:5070>");
  EXPECT_TRUE(last(phone, "ACK")) << "the transaction layer ACKs the 486";
  auto ackCarol = last(browser, "ACK");
  ASSERT_TRUE(ackCarol);
  EXPECT_TRUE(last(browser, "BYE"));
  relay_.drainOk();
  EXPECT_EQ(ended_, (std::vector<std::string>{"busy"}));
}

TEST_F(CallOriginatorTest, HangupWhileBRingsCancelsB) {
  const auto id = proxy_->originate("carol", "bob");
  ASSERT_TRUE(id);
  auto toBob = carolAnswers();
  respond(phone, toBob, 180, nullptr, "bob1", "<sip:bob@127.0.0.1:5070>");
  EXPECT_TRUE(proxy_->hangup(*id, "api-hangup"));
  auto cancel = last(phone, "CANCEL");
  ASSERT_TRUE(cancel);
  respond(phone, toBob, 487, nullptr, "bob1", "<sip:bob@127.0.0.1:5070>");
  EXPECT_TRUE(last(browser, "BYE"));
  relay_.drainOk();
  EXPECT_EQ(ended_, (std::vector<std::string>{"api-hangup"}));
}

TEST_F(CallOriginatorTest, BThatNeverAnswersIsCancelledBeforeAGivesUp) {
  ASSERT_TRUE(proxy_->originate("carol", "bob"));
  auto toBob = carolAnswers();
  respond(phone, toBob, 180, nullptr, "bob1", "<sip:bob@127.0.0.1:5070>");
  timers_.advance(std::chrono::seconds(29));
  ASSERT_TRUE(last(phone, "CANCEL"));
  respond(phone, toBob, 487, nullptr, "bob1", "<sip:bob@127.0.0.1:5070>");
  relay_.drainOk();
  EXPECT_EQ(ended_, (std::vector<std::string>{"no-answer"}));
}

TEST_F(CallOriginatorTest, UnknownPartiesAreRefusedAtOnce) {
  auto unknown = proxy_->originate("nobody", "bob");
  ASSERT_FALSE(unknown);
  EXPECT_NE(std::string(unknown.error().reason).find("from"), std::string::npos);
  EXPECT_EQ(unknown.error().kind, OriginateError::Kind::UnknownParty);
  const auto unknownTo = proxy_->originate("carol", "nobody");
  ASSERT_FALSE(unknownTo);
  EXPECT_EQ(unknownTo.error().kind, OriginateError::Kind::UnknownParty);
  const auto empty = proxy_->originate("", "bob");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().kind, OriginateError::Kind::BadParty);
  const auto bad = proxy_->originate("carol", "bad uri <x>");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, OriginateError::Kind::BadParty);
  EXPECT_TRUE(sent_.empty());
  EXPECT_EQ(proxy_->dialogs().size(), 0u);
}

TEST_F(CallOriginatorTest, SessionRefreshesAreAnsweredAndNewOffersGoToTheOtherLeg) {
  const auto id = proxy_->originate("carol", "bob");
  ASSERT_TRUE(id);
  auto toBob = carolAnswers();
  respond(phone, toBob, 200, kPhoneAnswer, "bob1", "<sip:bob@127.0.0.1:5070>");
  relay_.replySdp("answer-for-carol");
  auto toCarol = last(browser, "INVITE");
  ASSERT_TRUE(toCarol);
  // carol's request in her dialog with us, with `sdp` as its body when given.
  auto fromCarol = [&](const std::string& method, int cseq, const std::string& sdp) {
    std::string text = method +
                       " sip:rtcgate@127.0.0.1:8443 SIP/2.0\r\n"
                       "Via: SIP/2.0/WSS a.invalid;branch=z9hG4bKre" +
                       std::to_string(cseq) +
                       "\r\nMax-Forwards: 70\r\nFrom: <sip:carol@localhost>;tag=carol1\r\n"
                       "To: " +
                       std::string(toCarol->find(HeaderId::From)->value) +
                       "\r\nCall-ID: " + std::string(toCarol->callId()) +
                       "\r\nCSeq: " + std::to_string(cseq) + " " + method + "\r\n";
    if (sdp.empty()) return text + "Content-Length: 0\r\n\r\n";
    return text + "Content-Type: application/sdp\r\nContent-Length: " + std::to_string(sdp.size()) +
           "\r\n\r\n" + sdp;
  };

  // An offerless re-INVITE (a refresh): our last SDP to carol is the offer in the 200.
  proxy_->onMessage(fromCarol("INVITE", 2, ""), browser);
  auto ok = last(browser, "SIP/2.0 200");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->body(), "answer-for-carol");
  EXPECT_NE(ok->find(HeaderId::Contact), nullptr);
  // An UPDATE without SDP, and a re-INVITE with the SDP she sent before: nothing changes.
  proxy_->onMessage(fromCarol("UPDATE", 3, ""), browser);
  ok = last(browser, "SIP/2.0 200");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->cseqMethod(), sip::Method::Update);
  EXPECT_TRUE(ok->body().empty());
  proxy_->onMessage(fromCarol("INVITE", 4, kBrowserOffer), browser);
  ok = last(browser, "SIP/2.0 200");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->cseq(), 4u);
  EXPECT_EQ(ok->body(), "answer-for-carol");
  EXPECT_EQ(count(browser, "SIP/2.0 488"), 0u);

  // A new version of her SDP (a hold) goes to bob through the relay, in a re-INVITE of ours in
  // bob's dialog; bob's answer, through the relay, answers carol.
  std::string held = kBrowserOffer;
  held.replace(held.find("o=- 1 2"), 7, "o=- 1 3");
  held += "a=sendonly\r\n";
  proxy_->onMessage(fromCarol("INVITE", 5, held), browser);
  ASSERT_EQ(relay_.command(), "offer");
  EXPECT_EQ(relay_.at("from-tag"), "carol1");
  EXPECT_EQ(relay_.at("sdp"), held);
  relay_.replySdp("held-for-bob");
  auto reBob = last(phone, "INVITE");
  ASSERT_TRUE(reBob);
  EXPECT_EQ(reBob->body(), "held-for-bob");
  EXPECT_EQ(reBob->cseq(), 2u) << "our CSeq in bob's dialog";
  respond(phone, *reBob, 200, kPhoneAnswer, "bob1", "<sip:bob@127.0.0.1:5070>");
  EXPECT_EQ(last(phone, "ACK")->cseq(), 2u);
  ASSERT_EQ(relay_.command(), "answer");
  relay_.replySdp("bobs-answer-for-carol");
  ok = last(browser, "SIP/2.0 200");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->cseq(), 5u);
  EXPECT_EQ(ok->body(), "bobs-answer-for-carol");
  EXPECT_EQ(proxy_->dialogs().findById(*id)->stateName(), "on-hold");

  // Bob refuses the next one: carol gets 488 and the call stays as it was.
  std::string again = held;
  again.replace(again.find("o=- 1 3"), 7, "o=- 1 4");
  proxy_->onMessage(fromCarol("INVITE", 6, again), browser);
  relay_.replySdp("again-for-bob");
  reBob = last(phone, "INVITE");
  ASSERT_TRUE(reBob);
  respond(phone, *reBob, 488, nullptr, "bob1", "<sip:bob@127.0.0.1:5070>");
  auto refused = last(browser, "SIP/2.0 488");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->cseq(), 6u);
  EXPECT_NE(proxy_->dialogs().findById(*id), nullptr);
  EXPECT_EQ(proxy_->stats().holdsFailed, 0u) << "no API hold failed";
}

TEST_F(CallOriginatorTest, AMovedOriginatedCallReinvitesEachLegInOurOwnName) {
  const auto id = proxy_->originate("carol", "bob");
  ASSERT_TRUE(id);
  auto toBob = carolAnswers();
  respond(phone, toBob, 200, kPhoneAnswer, "bob1", "<sip:bob@127.0.0.1:5070>");
  relay_.replySdp("answer-for-carol");
  auto toCarol = last(browser, "INVITE");
  ASSERT_TRUE(toCarol);

  ASSERT_TRUE(proxy_->moveToAnotherRelay(*id));
  ASSERT_EQ(relay_.command(), "offer");
  EXPECT_EQ(relay_.at("sdp"), kBrowserOffer);
  relay_.replySdp("new-for-bob");
  auto reBob = last(phone, "INVITE");
  ASSERT_TRUE(reBob);
  EXPECT_EQ(reBob->body(), "new-for-bob");
  EXPECT_EQ(reBob->callId(), toBob.callId()) << "bob's own dialog with us";
  EXPECT_EQ(reBob->fromTag(), toBob.fromTag());
  EXPECT_EQ(reBob->cseq(), 2u) << "our CSeq in bob's dialog";
  EXPECT_NE(reBob->find(HeaderId::Contact)->value.find("sip:rtcgate@"), std::string_view::npos);
  respond(phone, *reBob, 200, kPhoneAnswer, "bob1", "<sip:bob@127.0.0.1:5070>");
  EXPECT_EQ(last(phone, "ACK")->cseq(), 2u);
  ASSERT_EQ(relay_.command(), "answer");
  relay_.replySdp("ignored");
  ASSERT_EQ(relay_.command(), "offer");
  EXPECT_EQ(relay_.at("sdp"), kPhoneAnswer);
  relay_.replySdp("new-for-carol");
  auto reCarol = last(browser, "INVITE");
  ASSERT_TRUE(reCarol);
  EXPECT_EQ(reCarol->callId(), toCarol->callId());
  EXPECT_EQ(reCarol->cseq(), 2u);
  EXPECT_EQ(reCarol->body(), "new-for-carol");
  respond(browser, *reCarol, 200, kBrowserOffer, "carol1", "<sip:carol@x.invalid;transport=ws>");
  ASSERT_EQ(relay_.command(), "answer");
  relay_.replySdp("ignored");
  EXPECT_EQ(proxy_->stats().relayMoves, 1u);
  EXPECT_NE(proxy_->dialogs().findById(*id), nullptr);
}

}  // namespace
}  // namespace rtcgate::proxy
