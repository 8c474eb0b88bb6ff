#include "proxy/MediaPolicy.hpp"

namespace rtcgate::proxy {
namespace {

// The relay's own address goes into o= and the session c= (the SDP now describes the relay).
constexpr std::string_view kReplace = " replace-origin replace-session-connection";

}  // namespace

std::string_view mediaLegName(MediaLeg leg) {
  switch (leg) {
    case MediaLeg::WebRtc:
      return "webrtc";
    case MediaLeg::Sip:
      return "rtp";
    case MediaLeg::SipSdes:
      return "srtp-sdes";
  }
  return "rtp";
}

MediaLeg MediaPolicy::legOf(sip::Transport transport, std::string_view sdp) const {
  if (sip::isWebSocket(transport)) return MediaLeg::WebRtc;
  if (sdp.find("UDP/TLS/RTP/SAVP") != std::string_view::npos) return MediaLeg::WebRtc;
  if (sdp.find(" RTP/SAVP") != std::string_view::npos &&
      sdp.find("a=crypto:") != std::string_view::npos) {
    return MediaLeg::SipSdes;
  }
  return options_.sipLeg;
}

MediaLeg MediaPolicy::legToward(sip::Transport transport,
                                std::optional<MediaLeg> configured) const {
  if (sip::isWebSocket(transport)) return MediaLeg::WebRtc;
  return configured.value_or(options_.sipLeg);
}

bool MediaPolicy::anchors(MediaLeg a, MediaLeg b) const {
  switch (options_.anchor) {
    case MediaPolicyOptions::Anchor::Never:
      return false;
    case MediaPolicyOptions::Anchor::Always:
      return true;
    case MediaPolicyOptions::Anchor::WebRtc:
      // Different profiles need the relay to translate (SRTP <-> RTP, ICE, DTLS).
      return a == MediaLeg::WebRtc || b == MediaLeg::WebRtc || a != b;
  }
  return false;
}

std::string MediaPolicy::flags(MediaLeg toward, MediaLeg from) const {
  std::string flags;
  switch (toward) {
    case MediaLeg::WebRtc:
      // Browsers require rtcp-mux; one coming from another browser already has it.
      flags = "ICE=force UDP/TLS/RTP/SAVPF generate-mid SDES-off";
      flags += from == MediaLeg::WebRtc ? " rtcp-mux-require" : " rtcp-mux-offer";
      break;
    case MediaLeg::Sip:
      flags = "ICE=remove RTP/AVP rtcp-mux-demux";
      break;
    case MediaLeg::SipSdes:
      flags = "ICE=remove RTP/SAVP rtcp-mux-demux DTLS=off";
      break;
  }
  flags += kReplace;
  return flags;
}

}  // namespace rtcgate::proxy
