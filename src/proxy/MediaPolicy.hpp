#pragma once

#include <optional>
#include <string_view>

#include "mediacontrol/MediaSettings.hpp"
#include "sip/Transport.hpp"

namespace rtcgate::proxy {

// What one side of a call speaks for media.
enum class MediaLeg {
  WebRtc,   // ICE, DTLS-SRTP, rtcp-mux, mid (a browser: WS/WSS or UDP/TLS/RTP/SAVPF in its SDP)
  Sip,      // plain RTP/AVP, no ICE
  SipSdes,  // RTP/SAVP with SDES keys (a=crypto)
};

std::string_view mediaLegName(MediaLeg leg);

struct MediaPolicyOptions {
  enum class Anchor {
    Never,   // SDP passes untouched (the relay is not used by the proxy)
    WebRtc,  // calls with a WebRTC leg, or whose legs' profiles differ (RTP <-> SDES-SRTP), go
             // through the relay (the default)
    Always,  // every call with SDP goes through the relay (media anchoring for NAT, recording)
  };
  Anchor anchor = Anchor::WebRtc;
  // Profile of the offers we send toward SIP legs: RTP/AVP, or RTP/SAVP with SDES
  // (`media.sip_srtp: sdes`); a route target may say otherwise (`routes[].media.srtp`, see
  // legToward). A SIP peer's own offer decides its profile (legOf).
  MediaLeg sipLeg = MediaLeg::Sip;
};

// The declarative media policy of DESIGN.md: from the transport and SDP of each call leg, which
// profile that leg gets and the relay settings that produce it. Pure; the proxy asks it per
// offer and answer.
class MediaPolicy {
 public:
  explicit MediaPolicy(MediaPolicyOptions options = {}) : options_(options) {}

  // The leg a peer is on: WebRTC when it talks over a WebSocket or a media section of its SDP
  // has a UDP/TLS/RTP/SAVP(F) profile and a DTLS fingerprint; SDES when a section offers
  // RTP/SAVP(F) with a=crypto; plain RTP when it has media sections and neither: a peer's own
  // offer decides its profile, it must get that profile back (RFC 3264 6). Only without SDP (a
  // late offer: we will make the offer) does the configured SIP profile decide. Only m= profiles
  // and their attributes count, never text elsewhere in the SDP.
  MediaLeg legOf(sip::Transport transport, std::string_view sdp = {}) const;
  // The leg of a branch target: WebRTC over a WebSocket, else the profile its route sets
  // (`configured`, StaticRoutes::targetMedia), else the configured SIP profile.
  MediaLeg legToward(sip::Transport transport, std::optional<MediaLeg> configured) const;
  bool anchors(MediaLeg a, MediaLeg b) const;
  // What the SDP that goes to `toward` must look like, whose peer on the other side is `from`.
  mediacontrol::MediaSettings settings(MediaLeg toward, MediaLeg from) const;
  // The same, with the relay interfaces the two legs are on ("" = the relay's default): the SDP
  // is `from`'s, the relay writes it for `toward`.
  mediacontrol::MediaSettings settings(MediaLeg toward, MediaLeg from, std::string towardInterface,
                                       std::string fromInterface) const;

 private:
  MediaPolicyOptions options_;
};

}  // namespace rtcgate::proxy
