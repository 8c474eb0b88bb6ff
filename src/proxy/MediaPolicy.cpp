#include "proxy/MediaPolicy.hpp"

namespace rtcgate::proxy {
namespace {

// What a leg's SDP really offers, read line by line (fragments without v= too): DTLS-SRTP is a
// media section with a UDP/TLS/RTP/SAVP(F) profile and a fingerprint (at session or media level,
// RFC 8842 5.2); SDES is RTP/SAVP(F) with a=crypto in the section. Words anywhere else (s=, i=,
// unknown attributes) count for nothing: a caller cannot make the proxy anchor a call by writing
// a profile name into its session name.
struct SdpProfile {
  bool media = false;  // it has an m= line: it is an offer or answer, not an empty body
  bool dtls = false;
  bool sdes = false;
};

std::string_view protocolOf(std::string_view mediaLine) {
  // m=<media> <port> <proto> <fmt> ...
  for (int skip = 0; skip < 2; ++skip) {
    const std::size_t space = mediaLine.find(' ');
    if (space == std::string_view::npos) return {};
    mediaLine.remove_prefix(space + 1);
  }
  return mediaLine.substr(0, mediaLine.find(' '));
}

SdpProfile profileOf(std::string_view sdp) {
  SdpProfile profile;
  bool sessionFingerprint = false;
  bool inMedia = false;
  std::string_view protocol;
  bool fingerprint = false;
  bool crypto = false;
  auto closeSection = [&] {
    if (!inMedia) return;
    if ((protocol == "UDP/TLS/RTP/SAVP" || protocol == "UDP/TLS/RTP/SAVPF") &&
        (fingerprint || sessionFingerprint)) {
      profile.dtls = true;
    }
    if ((protocol == "RTP/SAVP" || protocol == "RTP/SAVPF") && crypto) profile.sdes = true;
  };
  while (!sdp.empty()) {
    const std::size_t newline = sdp.find('\n');
    std::string_view line = sdp.substr(0, newline);
    sdp.remove_prefix(newline == std::string_view::npos ? sdp.size() : newline + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.starts_with("m=")) {
      closeSection();
      inMedia = true;
      profile.media = true;
      protocol = protocolOf(line.substr(2));
      fingerprint = crypto = false;
    } else if (line.starts_with("a=fingerprint:")) {
      (inMedia ? fingerprint : sessionFingerprint) = true;
    } else if (line.starts_with("a=crypto:")) {
      crypto = crypto || inMedia;
    }
  }
  closeSection();
  return profile;
}

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
  const SdpProfile profile = profileOf(sdp);
  if (profile.dtls) return MediaLeg::WebRtc;
  if (profile.sdes) return MediaLeg::SipSdes;
  // Its own SDP says plain RTP: what we send it must be plain RTP too, whatever we would offer.
  return profile.media ? MediaLeg::Sip : options_.sipLeg;
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

mediacontrol::MediaSettings MediaPolicy::settings(MediaLeg toward, MediaLeg from) const {
  mediacontrol::MediaSettings settings;
  switch (toward) {
    case MediaLeg::WebRtc:
      settings.ice = ng::IceMode::Force;
      settings.protocol = ng::TransportProtocol::UdpTlsRtpSavpf;
      settings.generateMid = true;
      settings.sdesOff = true;
      // Browsers require rtcp-mux; one coming from another browser already has it.
      (from == MediaLeg::WebRtc ? settings.rtcpMux.require : settings.rtcpMux.offer) = true;
      break;
    case MediaLeg::Sip:
      settings.ice = ng::IceMode::Remove;
      settings.protocol = ng::TransportProtocol::RtpAvp;
      settings.rtcpMux.demux = true;
      break;
    case MediaLeg::SipSdes:
      settings.ice = ng::IceMode::Remove;
      settings.protocol = ng::TransportProtocol::RtpSavp;
      settings.rtcpMux.demux = true;
      settings.dtlsOff = true;
      break;
  }
  // The relay's own address goes into o= and the session c= (the SDP now describes the relay).
  settings.replaceOrigin = true;
  settings.replaceSessionConnection = true;
  return settings;
}

mediacontrol::MediaSettings MediaPolicy::settings(MediaLeg toward, MediaLeg from,
                                                  std::string towardInterface,
                                                  std::string fromInterface) const {
  mediacontrol::MediaSettings out = settings(toward, from);
  out.toInterface = std::move(towardInterface);
  out.fromInterface = std::move(fromInterface);
  return out;
}

}  // namespace rtcgate::proxy
