#include "proxy/MediaPolicy.hpp"

#include <gtest/gtest.h>

#include <array>

#include "fakes/FakeTimers.hpp"
#include "ng/Bencode.hpp"
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
  EXPECT_EQ(plain.settings(MediaLeg::WebRtc, MediaLeg::Sip).ice, ng::IceMode::Force);
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

TEST(MediaPolicy, SettingsPerDirection) {
  MediaPolicy policy;
  const auto toBrowser = policy.settings(MediaLeg::WebRtc, MediaLeg::Sip);
  EXPECT_EQ(toBrowser.ice, ng::IceMode::Force);
  EXPECT_EQ(toBrowser.protocol, ng::TransportProtocol::UdpTlsRtpSavpf);
  EXPECT_TRUE(toBrowser.rtcpMux.offer);
  EXPECT_FALSE(toBrowser.rtcpMux.require);
  EXPECT_TRUE(toBrowser.generateMid);
  EXPECT_TRUE(toBrowser.sdesOff);
  // A browser's offer already has rtcp-mux: the other browser gets it required, not offered.
  const auto betweenBrowsers = policy.settings(MediaLeg::WebRtc, MediaLeg::WebRtc);
  EXPECT_TRUE(betweenBrowsers.rtcpMux.require);
  EXPECT_FALSE(betweenBrowsers.rtcpMux.offer);
  const auto toSip = policy.settings(MediaLeg::Sip, MediaLeg::WebRtc);
  EXPECT_EQ(toSip.ice, ng::IceMode::Remove);
  EXPECT_EQ(toSip.protocol, ng::TransportProtocol::RtpAvp);
  EXPECT_TRUE(toSip.rtcpMux.demux);
  EXPECT_FALSE(toSip.dtlsOff);
  const auto toSdes = policy.settings(MediaLeg::SipSdes, MediaLeg::WebRtc);
  EXPECT_EQ(toSdes.protocol, ng::TransportProtocol::RtpSavp);
  EXPECT_TRUE(toSdes.dtlsOff);
  EXPECT_FALSE(toSdes.sdesOff);
  for (const auto& settings : {toBrowser, toSip, toSdes}) {
    EXPECT_TRUE(settings.replaceOrigin);
    EXPECT_TRUE(settings.replaceSessionConnection);
  }
}

// The flag strings the policy gave before it gave typed settings, [toward][from] in MediaLeg
// order: the ng request the typed settings write must be byte for byte the one these strings
// made through applyNgFlags (the Kamailio module's encoding), so no relay sees a difference.
constexpr std::array<std::array<const char*, 3>, 3> kFlagStringsBefore{{
    {"ICE=force UDP/TLS/RTP/SAVPF generate-mid SDES-off rtcp-mux-require replace-origin "
     "replace-session-connection",
     "ICE=force UDP/TLS/RTP/SAVPF generate-mid SDES-off rtcp-mux-offer replace-origin "
     "replace-session-connection",
     "ICE=force UDP/TLS/RTP/SAVPF generate-mid SDES-off rtcp-mux-offer replace-origin "
     "replace-session-connection"},
    {"ICE=remove RTP/AVP rtcp-mux-demux replace-origin replace-session-connection",
     "ICE=remove RTP/AVP rtcp-mux-demux replace-origin replace-session-connection",
     "ICE=remove RTP/AVP rtcp-mux-demux replace-origin replace-session-connection"},
    {"ICE=remove RTP/SAVP rtcp-mux-demux DTLS=off replace-origin replace-session-connection",
     "ICE=remove RTP/SAVP rtcp-mux-demux DTLS=off replace-origin replace-session-connection",
     "ICE=remove RTP/SAVP rtcp-mux-demux DTLS=off replace-origin replace-session-connection"},
}};

// An offer as MediaAnchor starts it, before the media keys.
ng::Value offerHead() {
  ng::Value request = ng::Value::dict();
  request.set("command", "offer");
  request.set("call-id", "c1");
  request.set("from-tag", "a");
  request.set("sdp", "v=0");
  return request;
}

TEST(MediaPolicy, SettingsWriteTheNgKeysOfTheFlagStringsBefore) {
  constexpr std::array kLegs{MediaLeg::WebRtc, MediaLeg::Sip, MediaLeg::SipSdes};
  for (const MediaLeg sipLeg : {MediaLeg::Sip, MediaLeg::SipSdes}) {
    for (const auto anchor :
         {MediaPolicyOptions::Anchor::WebRtc, MediaPolicyOptions::Anchor::Always}) {
      const MediaPolicy policy({anchor, sipLeg});
      for (std::size_t toward = 0; toward < kLegs.size(); ++toward) {
        for (std::size_t from = 0; from < kLegs.size(); ++from) {
          const char* before = kFlagStringsBefore[toward][from];
          SCOPED_TRACE(std::string(mediaLegName(kLegs[toward])) + " from " +
                       std::string(mediaLegName(kLegs[from])) + ", sip profile " +
                       std::string(mediaLegName(sipLeg)) + ": " + before);
          ng::Value expected = offerHead();
          ng::applyNgFlags(expected, before);
          ng::Value written = offerHead();
          policy.settings(kLegs[toward], kLegs[from]).writeTo(written);
          EXPECT_EQ(ng::Bencode::encode(written), ng::Bencode::encode(expected));
          EXPECT_EQ(written, expected);
        }
      }
    }
  }
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
