// ProxyCore with media anchoring: what it asks the relay, and what leaves with the relay's SDP.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <string_view>
#include <vector>

#include "unit/proxy/ProxyMediaHarness.hpp"

namespace rtcgate::proxy {
namespace {

using sip::SipMessage;
using sip::Transport;

using testing::kBrowserSdp;
using testing::kPhoneSdp;

class ProxyMediaTest : public testing::ProxyMediaHarness {};

TEST_F(ProxyMediaTest, BrowserCallToPhoneGoesThroughTheRelayBothWays) {
  proxy_->onMessage(invite("bob", "SIP/2.0/WSS a.invalid", kBrowserSdp), browser);
  ASSERT_EQ(relay_.pending.size(), 1u);
  EXPECT_EQ(relay_.command(), "offer");
  EXPECT_EQ(relay_.at("from-tag"), "alice1");
  EXPECT_EQ(relay_.at("ICE"), "remove");
  EXPECT_EQ(relay_.at("transport-protocol"), "RTP/AVP");
  EXPECT_FALSE(relay_.at("via-branch").empty());
  EXPECT_FALSE(sentTo(bob, "INVITE")) << "the INVITE waits for the relay's SDP";

  relay_.replySdp("relayed-offer");
  auto forwarded = sentTo(bob, "INVITE");
  ASSERT_TRUE(forwarded);
  EXPECT_EQ(forwarded->body(), "relayed-offer");

  answerFrom(bobFlow, *forwarded, 200, kPhoneSdp);
  ASSERT_EQ(relay_.pending.size(), 1u);
  EXPECT_EQ(relay_.command(), "answer");
  EXPECT_EQ(relay_.at("to-tag"), "bob1");
  EXPECT_EQ(relay_.at("ICE"), "force");
  EXPECT_EQ(relay_.at("transport-protocol"), "UDP/TLS/RTP/SAVPF");
  EXPECT_FALSE(sentTo(browser.remote, "SIP/2.0 200")) << "the 200 waits for the relay too";
  relay_.replySdp("relayed-answer");
  auto ok = sentTo(browser.remote, "SIP/2.0 200");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->body(), "relayed-answer");

  ASSERT_EQ(proxy_->dialogs().size(), 1u);
  proxy_->dialogs().forEach([](const Dialog& d) {
    EXPECT_EQ(d.state, Dialog::State::Confirmed);
    EXPECT_TRUE(d.anchored);
    EXPECT_EQ(d.caller.leg, MediaLeg::WebRtc);
    EXPECT_EQ(d.callee.leg, MediaLeg::Sip);
  });
}

TEST_F(ProxyMediaTest, ByeDeletesTheRelaySessionAndEndsTheCall) {
  auto forwarded = establishBrowserToPhone();
  proxy_->onMessage(browserBye("call-1"), browser);
  ASSERT_EQ(relay_.pending.size(), 1u);
  EXPECT_EQ(relay_.command(), "delete");
  EXPECT_EQ(relay_.at("call-id"), "call-1");
  EXPECT_TRUE(relay_.at("from-tag").empty()) << "the whole call goes";
  relay_.drainOk();
  EXPECT_EQ(proxy_->dialogs().size(), 0u);
  ASSERT_EQ(ended_.size(), 1u);
  EXPECT_EQ(ended_[0], "caller-bye");
}

TEST_F(ProxyMediaTest, ByeOfACallPlacedBeforeARestartReleasesItsMedia) {
  // No dialog here (this process restarted), but a relay may still hold the call. The
  // Record-Route token, made with the same key, proves we routed it.
  proxy_->onMessage(browserBye("old-call", true), browser);
  ASSERT_EQ(relay_.pending.size(), 1u);
  EXPECT_EQ(relay_.command(), "delete");
  EXPECT_EQ(relay_.at("call-id"), "old-call");
  relay_.drainOk();
  EXPECT_TRUE(sentTo(bob, "BYE")) << "the BYE itself still goes on";
  EXPECT_EQ(proxy_->dialogs().size(), 0u);
  EXPECT_TRUE(ended_.empty()) << "no call record for a call this process never saw";
}

TEST_F(ProxyMediaTest, ByeOfAnUnknownCallWithoutOurTokenReleasesNothing) {
  proxy_->onMessage(browserBye("old-call"), browser);
  EXPECT_TRUE(relay_.pending.empty()) << "a stranger's BYE must not delete a relay session";
  EXPECT_FALSE(sentTo(bob, "BYE"));
  auto refused = sentTo(browser.remote, "SIP/2.0 481");
  EXPECT_TRUE(refused);
}

TEST_F(ProxyMediaTest, CancelReleasesTheBranchAndTheCall) {
  proxy_->onMessage(invite("bob", "SIP/2.0/WSS a.invalid", kBrowserSdp), browser);
  relay_.replySdp("relayed-offer");
  auto forwarded = sentTo(bob, "INVITE");
  ASSERT_TRUE(forwarded);
  answerFrom(bobFlow, *forwarded, 180);
  std::string cancel =
      "CANCEL sip:bob@localhost SIP/2.0\r\nVia: SIP/2.0/WSS a.invalid;branch=z9hG4bKcaller1\r\n"
      "Max-Forwards: 70\r\nFrom: <sip:alice@localhost>;tag=alice1\r\nTo: <sip:bob@localhost>\r\n"
      "Call-ID: call-1\r\nCSeq: 1 CANCEL\r\nContent-Length: 0\r\n\r\n";
  proxy_->onMessage(cancel, browser);
  ASSERT_TRUE(sentTo(bob, "CANCEL"));
  answerFrom(bobFlow, *forwarded, 487);
  EXPECT_TRUE(sentTo(browser.remote, "SIP/2.0 487"));
  // The branch (by via-branch) and the whole call are released.
  ASSERT_GE(relay_.pending.size(), 1u);
  bool branchDeleted = false, callDeleted = false;
  for (const auto& p : relay_.pending) {
    EXPECT_EQ(p.request.stringAt("command"), "delete");
    if (!p.request.stringAt("via-branch").empty()) branchDeleted = true;
    if (p.request.stringAt("from-tag").empty()) callDeleted = true;
  }
  EXPECT_TRUE(branchDeleted);
  EXPECT_TRUE(callDeleted);
  relay_.drainOk();
  ASSERT_EQ(ended_.size(), 1u);
  EXPECT_EQ(ended_[0], "cancelled");
}

TEST_F(ProxyMediaTest, RelayFailuresFailTheCallInsteadOfLeakingUnusableSdp) {
  proxy_->onMessage(invite("bob", "SIP/2.0/WSS a.invalid", kBrowserSdp, "refused"), browser);
  relay_.replyError();
  EXPECT_FALSE(sentTo(bob, "INVITE"));
  EXPECT_TRUE(sentTo(browser.remote, "SIP/2.0 488"));
  relay_.drainOk();

  proxy_->onMessage(invite("bob", "SIP/2.0/WSS a.invalid", kBrowserSdp, "silent"), browser);
  relay_.noReply();
  EXPECT_TRUE(sentTo(browser.remote, "SIP/2.0 500")) << "no reply: 503 on the branch, 500 up";
  relay_.drainOk();

  sent_.clear();
  proxy_->onMessage(invite("bob", "SIP/2.0/WSS a.invalid", kBrowserSdp, "no-relay"), browser);
  relay_.unreachable();
  EXPECT_FALSE(sentTo(browser.remote, "SIP/2.0 488"));
  EXPECT_TRUE(sentTo(browser.remote, "SIP/2.0 500")) << "no relay: 503 on the branch, 500 up";
  relay_.drainOk();
  EXPECT_EQ(proxy_->dialogs().size(), 0u);
}

TEST_F(ProxyMediaTest, ACallAnsweredDirectlyAfterABranchWentToTheRelayIsDeletedThere) {
  // A phone calls bob, who has a phone (direct media) and a browser (through the relay): the
  // browser's branch is offered to the relay, the phone answers. The relay's call must still be
  // deleted when the call ends, or it stays there (and in the relay pool's books) for good.
  bind("bob", browser, "sip:bob@y.invalid;transport=ws");
  proxy_->onMessage(invite("bob", "SIP/2.0/UDP 127.0.0.1:5080", kPhoneSdp, "forked"), aliceFlow);
  ASSERT_EQ(relay_.pending.size(), 1u);
  EXPECT_EQ(relay_.command(), "offer");
  relay_.replySdp("offer-for-browser");
  const auto toPhone = sentTo(bob, "INVITE");
  const auto toBrowser = sentTo(browser.remote, "INVITE");
  ASSERT_TRUE(toPhone && toBrowser);
  answerFrom(bobFlow, *toPhone, 200, kPhoneSdp);
  proxy_->onMessage(toBrowser->makeResponse(487, "Request Terminated", "b2").serialize(), browser);
  relay_.drainOk();  // the browser branch's own delete
  const Dialog* dialog = proxy_->dialogs().find("forked");
  ASSERT_TRUE(dialog && !dialog->anchored);
  ASSERT_TRUE(proxy_->hangup(dialog->id, "api-hangup"));
  ASSERT_FALSE(relay_.pending.empty()) << "no delete for the call the relay holds";
  EXPECT_EQ(relay_.command(relay_.pending.size() - 1), "delete");
  EXPECT_EQ(relay_.at("from-tag", relay_.pending.size() - 1), "");
  relay_.drainOk();
  EXPECT_EQ(ended_, std::vector<std::string>{"api-hangup"});
}

TEST_F(ProxyMediaTest, DialogTimeoutSendsByeToBothSides) {
  establishBrowserToPhone();
  sent_.clear();
  timers_.advance(std::chrono::seconds(70));
  EXPECT_TRUE(sentTo(bob, "BYE"));
  EXPECT_TRUE(sentTo(browser.remote, "BYE"));
  relay_.drainOk();
  ASSERT_EQ(ended_.size(), 1u);
  EXPECT_EQ(ended_[0], "dialog-timeout");
  EXPECT_EQ(proxy_->dialogs().size(), 0u);
}

TEST_F(ProxyMediaTest, ClosedWebSocketEndsTheBrowsersCall) {
  establishBrowserToPhone();
  sent_.clear();
  proxy_->onConnectionClosed(browser.connectionId);
  auto bye = sentTo(bob, "BYE");
  ASSERT_TRUE(bye);
  EXPECT_EQ(bye->toTag(), "bob1");
  EXPECT_EQ(bye->fromTag(), "alice1");
  EXPECT_FALSE(sentTo(browser.remote, "BYE"));
  relay_.drainOk();
  ASSERT_EQ(ended_.size(), 1u);
  EXPECT_EQ(ended_[0], "connection-closed");
}

TEST_F(ProxyMediaTest, LateOfferTakesTheOfferFromThe200AndTheAnswerFromTheAck) {
  // A SIP phone (UDP) calls carol (a browser) without SDP.
  const sip::Flow phone{Transport::Udp, udpLocal, address("127.0.0.1", 5090), 0};
  proxy_->onMessage(invite("carol", "SIP/2.0/UDP 127.0.0.1:5090", nullptr, "late"), phone);
  EXPECT_TRUE(relay_.pending.empty());
  auto forwarded = sentTo(browser.remote, "INVITE");
  ASSERT_TRUE(forwarded);
  auto ok = browserOffersIn200(*forwarded, "carol1", phone.remote);
  ASSERT_TRUE(ok);

  auto routeSet = ok->all(sip::HeaderId::RecordRoute);  // the UAC's route set: reversed
  std::reverse(routeSet.begin(), routeSet.end());
  const std::string ack = inDialog(
      "ACK sip:carol@x.invalid SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5090;branch=z9hG4bKack1\r\n"
      "Max-Forwards: 70\r\n",
      routeSet,
      "From: <sip:alice@localhost>;tag=alice1\r\nTo: <sip:carol@localhost>;tag=carol1\r\n"
      "Call-ID: late\r\nCSeq: 1 ACK\r\n",
      kPhoneSdp);
  ackAnswersTheBrowsersOffer(ack, phone, "carol1", "alice1");
}

TEST_F(ProxyMediaTest, OfferlessReInviteFromThePhoneTakesTheBrowsersOfferFromThe200) {
  // Music on hold and PBX transfers: the phone re-INVITEs without SDP; the browser's 200 offers,
  // the phone's ACK answers, and both go through the relay with each side's own flags.
  auto toBob = establishBrowserToPhone();
  const auto bobsRouteSet = toBob.all(sip::HeaderId::RecordRoute);
  const std::string reinvite = inDialog(
      "INVITE sip:alice@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKre1\r\n"
      "Max-Forwards: 70\r\n",
      bobsRouteSet,
      "From: <sip:bob@localhost>;tag=bob1\r\nTo: <sip:alice@localhost>;tag=alice1\r\n"
      "Call-ID: call-1\r\nCSeq: 7 INVITE\r\nContact: <sip:bob@127.0.0.1:5070>\r\n");
  proxy_->onMessage(reinvite, bobFlow);
  EXPECT_TRUE(relay_.pending.empty()) << "nothing to offer yet";
  auto toBrowser = sentTo(browser.remote, "INVITE");
  ASSERT_TRUE(toBrowser);
  EXPECT_TRUE(toBrowser->body().empty());

  ASSERT_TRUE(browserOffersIn200(*toBrowser, "alice1", bob));

  const std::string ack = inDialog(
      "ACK sip:alice@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKack7\r\n"
      "Max-Forwards: 70\r\n",
      bobsRouteSet,
      "From: <sip:bob@localhost>;tag=bob1\r\nTo: <sip:alice@localhost>;tag=alice1\r\n"
      "Call-ID: call-1\r\nCSeq: 7 ACK\r\n",
      kPhoneSdp);
  ackAnswersTheBrowsersOffer(ack, bobFlow, "alice1", "bob1");
  proxy_->dialogs().forEach([](const Dialog& d) { EXPECT_EQ(d.state, Dialog::State::Confirmed); });
}

// Each side's audio formats follow every SDP it sends: the offer, the answer, a re-INVITE.
TEST_F(ProxyMediaTest, EachSidesFormatsFollowItsLatestSdp) {
  auto toBob = establishBrowserToPhone();
  const Dialog* call = nullptr;
  proxy_->dialogs().forEach([&call](const Dialog& d) { call = &d; });
  ASSERT_NE(call, nullptr);
  ASSERT_FALSE(call->caller.formats.empty());
  EXPECT_EQ(call->caller.formats.formats()[0].encoding, "PCMU");
  EXPECT_EQ(call->callee.formats.formats()[0].encoding, "PCMU");
  const std::string reinvite = inDialog(
      "INVITE sip:alice@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKre2\r\n"
      "Max-Forwards: 70\r\n",
      toBob.all(sip::HeaderId::RecordRoute),
      "From: <sip:bob@localhost>;tag=bob1\r\nTo: <sip:alice@localhost>;tag=alice1\r\n"
      "Call-ID: call-1\r\nCSeq: 8 INVITE\r\nContact: <sip:bob@127.0.0.1:5070>\r\n",
      "v=0\r\no=- 1 3 IN IP4 127.0.0.9\r\ns=-\r\nc=IN IP4 127.0.0.9\r\nt=0 0\r\n"
      "m=audio 6000 RTP/AVP 8\r\na=ptime:30\r\n");
  proxy_->onMessage(reinvite, bobFlow);
  EXPECT_EQ(call->callee.formats.formats()[0].encoding, "PCMA");
  EXPECT_EQ(call->callee.formats.ptimeMs(), 30);
  EXPECT_EQ(call->caller.formats.formats()[0].encoding, "PCMU") << "until the browser answers";
}

TEST_F(ProxyMediaTest, SipToSipCallsAreNotAnchoredByDefault) {
  bind("dave", sip::Flow{Transport::Udp, udpLocal, address("127.0.0.1", 5080), 0},
       "sip:dave@127.0.0.1:5080");
  const sip::Flow phone{Transport::Udp, udpLocal, address("127.0.0.1", 5090), 0};
  proxy_->onMessage(invite("dave", "SIP/2.0/UDP 127.0.0.1:5090", kPhoneSdp, "plain"), phone);
  EXPECT_TRUE(relay_.pending.empty());
  auto forwarded = sentTo(address("127.0.0.1", 5080), "INVITE");
  ASSERT_TRUE(forwarded);
  EXPECT_EQ(forwarded->body(), kPhoneSdp);
}

// routes[].media.srtp: one PBX gets RTP/SAVP with SDES keys, another plain RTP/AVP (media.sip_srtp
// is none here); a plain-RTP phone calling the SDES PBX is anchored so that the relay bridges them.
TEST_F(ProxyMediaTest, RouteTargetsChooseTheirSrtpProfile) {
  StaticRoutes routes;
  routes.add("^9", {"sip:127.0.0.1:5080"}, MediaLeg::SipSdes);
  routes.add("^8", {"sip:127.0.0.1:5090"}, MediaLeg::Sip);
  proxy_->setRoutes(std::move(routes));

  proxy_->onMessage(invite("9001", "SIP/2.0/WSS a.invalid", kBrowserSdp, "call-sdes"), browser);
  ASSERT_EQ(relay_.pending.size(), 1u);
  EXPECT_EQ(relay_.command(), "offer");
  EXPECT_EQ(relay_.at("transport-protocol"), "RTP/SAVP");
  EXPECT_EQ(relay_.at("ICE"), "remove");
  EXPECT_EQ(relay_.at("DTLS"), "off");
  relay_.replySdp("relayed-offer");
  EXPECT_TRUE(sentTo(address("127.0.0.1", 5080), "INVITE sip:9001@127.0.0.1:5080"));

  proxy_->onMessage(invite("8001", "SIP/2.0/WSS b.invalid", kBrowserSdp, "call-plain"), browser);
  ASSERT_EQ(relay_.pending.size(), 1u);
  EXPECT_EQ(relay_.at("transport-protocol"), "RTP/AVP");
  EXPECT_EQ(relay_.at("DTLS"), "");
  relay_.replySdp("relayed-offer");
  EXPECT_TRUE(sentTo(address("127.0.0.1", 5090), "INVITE sip:8001@127.0.0.1:5090"));

  proxy_->onMessage(invite("9002", "SIP/2.0/UDP 127.0.0.1:5070", kPhoneSdp, "call-phone"), bobFlow);
  ASSERT_EQ(relay_.pending.size(), 1u);
  EXPECT_EQ(relay_.at("transport-protocol"), "RTP/SAVP");
  relay_.replySdp("relayed-offer");
  EXPECT_TRUE(sentTo(address("127.0.0.1", 5080), "INVITE sip:9002@127.0.0.1:5080"));

  // Same profile on both sides: not anchored, the SDP passes untouched.
  proxy_->onMessage(invite("8002", "SIP/2.0/UDP 127.0.0.2:5070", kPhoneSdp, "call-phone-2"),
                    bobFlow);
  EXPECT_TRUE(relay_.pending.empty());
  const auto direct = sentTo(address("127.0.0.1", 5090), "INVITE sip:8002@127.0.0.1:5090");
  ASSERT_TRUE(direct);
  EXPECT_EQ(direct->body(), kPhoneSdp);
}

// media.sip_srtp: sdes is the profile of the offers we send toward SIP; a phone's own RTP/AVP
// offer still gets RTP/AVP back (RFC 3264 6), not RTP/SAVP without keys.
class ProxyMediaSdesTest : public ProxyMediaTest {
 protected:
  void configure(ProxyOptions& options) override { options.media.sipLeg = MediaLeg::SipSdes; }
};

TEST_F(ProxyMediaSdesTest, PlainRtpPhoneGetsPlainRtpBack) {
  const sip::Flow phone{Transport::Udp, udpLocal, address("127.0.0.1", 5090), 0};
  // To a browser: the offer goes out DTLS-SRTP, the answer comes back to the phone as RTP/AVP.
  proxy_->onMessage(invite("carol", "SIP/2.0/UDP 127.0.0.1:5090", kPhoneSdp, "to-browser"), phone);
  ASSERT_EQ(relay_.pending.size(), 1u);
  EXPECT_EQ(relay_.at("transport-protocol"), "UDP/TLS/RTP/SAVPF");
  relay_.replySdp("offer-for-browser");
  auto toBrowser = sentTo(browser.remote, "INVITE");
  ASSERT_TRUE(toBrowser);
  answerFrom(browser, *toBrowser, 200, kBrowserSdp, "carol1");
  ASSERT_EQ(relay_.pending.size(), 1u);
  EXPECT_EQ(relay_.command(), "answer");
  EXPECT_EQ(relay_.at("transport-protocol"), "RTP/AVP");
  relay_.replySdp("answer-for-phone");
  EXPECT_TRUE(sentTo(phone.remote, "SIP/2.0 200"));

  // To another SIP phone: we offer it SDES (media.sip_srtp) and bridge, the caller keeps RTP/AVP.
  proxy_->onMessage(invite("bob", "SIP/2.0/UDP 127.0.0.2:5090", kPhoneSdp, "to-phone"), phone);
  ASSERT_EQ(relay_.pending.size(), 1u);
  EXPECT_EQ(relay_.at("transport-protocol"), "RTP/SAVP");
  relay_.replySdp("sdes-offer-for-bob");
  auto toBob = sentTo(bob, "INVITE");
  ASSERT_TRUE(toBob);
  answerFrom(bobFlow, *toBob, 200, "v=0\r\nm=audio 7000 RTP/SAVP 0\r\na=crypto:1 x inline:k\r\n");
  ASSERT_EQ(relay_.pending.size(), 1u);
  EXPECT_EQ(relay_.command(), "answer");
  EXPECT_EQ(relay_.at("transport-protocol"), "RTP/AVP");
}

}  // namespace
}  // namespace rtcgate::proxy
