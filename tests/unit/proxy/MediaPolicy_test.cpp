#include "proxy/MediaPolicy.hpp"

#include <gtest/gtest.h>

#include "fakes/FakeTimers.hpp"
#include "ng/NgFlags.hpp"
#include "proxy/DialogTracker.hpp"
#include "proxy/StaticRoutes.hpp"

namespace rtcgate::proxy {
namespace {

TEST(MediaPolicy, LegsFromTransportAndSdp) {
  MediaPolicy policy;
  EXPECT_EQ(policy.legOf(sip::Transport::Wss), MediaLeg::WebRtc);
  EXPECT_EQ(policy.legOf(sip::Transport::Udp,
                         "m=audio 1 UDP/TLS/RTP/SAVPF 0\r\na=fingerprint:sha-256 AB:CD"),
            MediaLeg::WebRtc);
  EXPECT_EQ(policy.legOf(sip::Transport::Tcp, "m=audio 1 RTP/AVP 0"), MediaLeg::Sip);
  MediaPolicy sdes({MediaPolicyOptions::Anchor::WebRtc, MediaLeg::SipSdes});
  // media.sip_srtp is what we offer toward SIP: it decides only where the peer has not offered.
  EXPECT_EQ(sdes.legOf(sip::Transport::Udp), MediaLeg::SipSdes);
  EXPECT_EQ(sdes.legOf(sip::Transport::Udp, "v=0\r\nm=audio 1 RTP/AVP 0\r\n"), MediaLeg::Sip);
  // An SDES offer gets SDES back whatever media.sip_srtp says; SAVP without keys does not.
  EXPECT_EQ(policy.legOf(sip::Transport::Udp,
                         "m=audio 1 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:x"),
            MediaLeg::SipSdes);
  EXPECT_EQ(policy.legOf(sip::Transport::Udp, "m=audio 1 RTP/SAVP 0\r\n"), MediaLeg::Sip);
}

TEST(MediaPolicy, OnlyARealDtlsOfferIsWebRtc) {
  MediaPolicy policy;
  const std::string head = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n";
  // The profile's name in the session name, an attribute or a plain section: not WebRTC.
  EXPECT_EQ(policy.legOf(sip::Transport::Udp, head + "s=UDP/TLS/RTP/SAVPF\r\nt=0 0\r\n"
                                                     "m=audio 4000 RTP/AVP 0\r\n"
                                                     "a=x:UDP/TLS/RTP/SAVPF\r\n"
                                                     "a=fingerprint:sha-256 AB:CD\r\n"),
            MediaLeg::Sip);
  // The profile without any fingerprint: no DTLS can follow.
  EXPECT_EQ(policy.legOf(sip::Transport::Udp, head + "s=-\r\nm=audio 4000 UDP/TLS/RTP/SAVPF 0\r\n"),
            MediaLeg::Sip);
  // A session-level fingerprint covers every section (RFC 8842).
  EXPECT_EQ(policy.legOf(sip::Transport::Udp, head + "s=-\r\na=fingerprint:sha-256 AB:CD\r\n"
                                                     "m=audio 4000 UDP/TLS/RTP/SAVP 0\r\n"),
            MediaLeg::WebRtc);
  // a=crypto outside an RTP/SAVP section is not SDES.
  EXPECT_EQ(policy.legOf(sip::Transport::Udp, head + "s=-\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 "
                                                     "inline:x\r\nm=audio 4000 RTP/SAVP 0\r\n"),
            MediaLeg::Sip);
  // A WebSocket leg is a browser whatever its SDP says.
  EXPECT_EQ(policy.legOf(sip::Transport::Ws, head + "m=audio 4000 RTP/AVP 0\r\n"),
            MediaLeg::WebRtc);
}

TEST(MediaPolicy, RouteTargetProfileOverridesTheGlobalOne) {
  MediaPolicy plain;
  MediaPolicy sdes({MediaPolicyOptions::Anchor::WebRtc, MediaLeg::SipSdes});
  EXPECT_EQ(plain.legToward(sip::Transport::Udp, std::nullopt), MediaLeg::Sip);
  EXPECT_EQ(plain.legToward(sip::Transport::Tls, MediaLeg::SipSdes), MediaLeg::SipSdes);
  EXPECT_EQ(sdes.legToward(sip::Transport::Udp, std::nullopt), MediaLeg::SipSdes);
  EXPECT_EQ(sdes.legToward(sip::Transport::Udp, MediaLeg::Sip), MediaLeg::Sip);
  // A browser is a browser whatever the route says.
  EXPECT_EQ(sdes.legToward(sip::Transport::Wss, MediaLeg::Sip), MediaLeg::WebRtc);
  // A WebRTC endpoint reached over plain SIP (`media.srtp: dtls`), e.g. a media server.
  EXPECT_EQ(plain.legToward(sip::Transport::Udp, MediaLeg::WebRtc), MediaLeg::WebRtc);
  EXPECT_TRUE(plain.anchors(MediaLeg::Sip, MediaLeg::WebRtc));
  EXPECT_NE(plain.flags(MediaLeg::WebRtc, MediaLeg::Sip).find("ICE=force"), std::string::npos);
}

TEST(StaticRoutes, TargetMediaByHostAndPort) {
  StaticRoutes routes;
  routes.add("^1", {"sip:10.0.0.5:5060", "sip:PBX.example"}, MediaLeg::SipSdes);
  routes.add("^2", {"sip:10.0.0.6"}, MediaLeg::Sip);
  routes.add("^3", {"sip:10.0.0.7:5070"});
  EXPECT_EQ(routes.targetMedia("sip:1001@10.0.0.5:5060"), MediaLeg::SipSdes);
  EXPECT_EQ(routes.targetMedia("sip:1001@10.0.0.5"), MediaLeg::SipSdes);  // 5060 by default
  EXPECT_EQ(routes.targetMedia("sip:1001@pbx.example:5060;transport=udp"), MediaLeg::SipSdes);
  EXPECT_EQ(routes.targetMedia("sip:2001@10.0.0.6:5060"), MediaLeg::Sip);
  EXPECT_EQ(routes.targetMedia("sip:1001@10.0.0.5:5080"), std::nullopt);
  EXPECT_EQ(routes.targetMedia("sip:3001@10.0.0.7:5070"), std::nullopt);  // no media set
  EXPECT_EQ(routes.targetMedia("sips:1001@10.0.0.5"), std::nullopt);      // 5061
  EXPECT_EQ(routes.targetMedia("not a uri"), std::nullopt);
}

TEST(MediaPolicy, AnchorsWhatTheConfigurationSays) {
  using Anchor = MediaPolicyOptions::Anchor;
  MediaPolicy webrtc;
  EXPECT_TRUE(webrtc.anchors(MediaLeg::WebRtc, MediaLeg::Sip));
  EXPECT_TRUE(webrtc.anchors(MediaLeg::Sip, MediaLeg::WebRtc));
  EXPECT_FALSE(webrtc.anchors(MediaLeg::Sip, MediaLeg::Sip));
  EXPECT_FALSE(webrtc.anchors(MediaLeg::SipSdes, MediaLeg::SipSdes));
  // RTP on one side and SDES-SRTP on the other: only the relay can bridge them.
  EXPECT_TRUE(webrtc.anchors(MediaLeg::Sip, MediaLeg::SipSdes));
  EXPECT_TRUE(webrtc.anchors(MediaLeg::SipSdes, MediaLeg::Sip));
  EXPECT_TRUE(MediaPolicy({Anchor::Always}).anchors(MediaLeg::Sip, MediaLeg::Sip));
  EXPECT_FALSE(MediaPolicy({Anchor::Never}).anchors(MediaLeg::WebRtc, MediaLeg::Sip));
}

TEST(MediaPolicy, FlagsPerDirection) {
  MediaPolicy policy;
  const auto toBrowser = policy.flags(MediaLeg::WebRtc, MediaLeg::Sip);
  EXPECT_NE(toBrowser.find("ICE=force UDP/TLS/RTP/SAVPF"), std::string::npos);
  EXPECT_NE(toBrowser.find("rtcp-mux-offer"), std::string::npos);
  EXPECT_NE(policy.flags(MediaLeg::WebRtc, MediaLeg::WebRtc).find("rtcp-mux-require"),
            std::string::npos);
  const auto toSip = policy.flags(MediaLeg::Sip, MediaLeg::WebRtc);
  EXPECT_NE(toSip.find("ICE=remove RTP/AVP rtcp-mux-demux"), std::string::npos);
  EXPECT_NE(policy.flags(MediaLeg::SipSdes, MediaLeg::WebRtc).find("RTP/SAVP"), std::string::npos);
}

TEST(NgFlags, EncodedLikeTheKamailioModule) {
  ng::Value request = ng::Value::dict();
  ng::applyNgFlags(request,
                   "ICE=force UDP/TLS/RTP/SAVPF rtcp-mux-offer rtcp-mux-require generate-mid "
                   "SDES-off replace-origin replace-session-connection codec-strip-PCMA "
                   "direction=internal trust-address");
  EXPECT_EQ(request.stringAt("ICE"), "force");
  EXPECT_EQ(request.stringAt("transport-protocol"), "UDP/TLS/RTP/SAVPF");
  ASSERT_TRUE(request.find("rtcp-mux"));
  EXPECT_EQ(request.find("rtcp-mux")->size(), 2u);
  EXPECT_EQ(request.find("replace")->items()[1].str(), "session-connection");
  EXPECT_EQ(request.find("SDES")->items()[0].str(), "off");
  EXPECT_EQ(request.find("codec")->find("strip")->items()[0].str(), "PCMA");
  EXPECT_EQ(request.find("direction")->items()[0].str(), "internal");
  const ng::Value* flags = request.find("flags");
  ASSERT_TRUE(flags);
  ASSERT_EQ(flags->size(), 2u);
  EXPECT_EQ(flags->items()[0].str(), "generate-mid");
  EXPECT_EQ(flags->items()[1].str(), "trust-address");
}

TEST(DialogTracker, FindsByCallIdAndIdAndForgetsEndedCalls) {
  rtcgate::testing::FakeTimers timers;
  DialogTracker tracker{timers};
  Dialog& a = tracker.create("a");
  sip::Flow tcp;
  tcp.connectionId = 9;
  tracker.setFlow(a.caller, tcp);
  Dialog& b = tracker.create("b");
  EXPECT_EQ(tracker.find("a")->id, a.id);
  EXPECT_EQ(tracker.findById(b.id)->callId, "b");
  EXPECT_EQ(tracker.onConnection(9).size(), 1u);
  EXPECT_TRUE(tracker.onConnection(0).empty());
  EXPECT_TRUE(tracker.carriesCalls(9));
  const Dialog record = tracker.end(a, "busy", 486);
  EXPECT_FALSE(tracker.carriesCalls(9));
  EXPECT_TRUE(tracker.onConnection(9).empty());
  EXPECT_EQ(record.state, Dialog::State::Terminated);
  EXPECT_EQ(record.endCode, 486);
  EXPECT_EQ(tracker.find("a"), nullptr);
  EXPECT_EQ(tracker.size(), 1u);
  EXPECT_EQ(Dialog::failureReason(487), "cancelled");
  EXPECT_EQ(Dialog::failureReason(503), "failed-503");
}

}  // namespace
}  // namespace rtcgate::proxy
