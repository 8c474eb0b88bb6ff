#include "media/webrtc/MediaSecurity.hpp"

#include <algorithm>

namespace rtcgate::media {
namespace {

// A media-level attribute, or else the session-level one (ICE and DTLS may be at either).
std::string_view attribute(const sdp::SessionDescription& description, std::size_t index,
                           std::string_view name) {
  if (const sdp::SdpLine* line = description.media()[index].findAttribute(name)) {
    return line->attributeValue();
  }
  for (const sdp::SdpLine& line : description.sessionLines()) {
    if (line.type == 'a' && line.isAttribute(name)) return line.attributeValue();
  }
  return {};
}

}  // namespace

SecureTransport::Keying MediaSecurity::keyingFor(std::string_view protocol) {
  if (protocol.starts_with("UDP/TLS/RTP/SAVP")) return SecureTransport::Keying::Dtls;
  if (protocol.starts_with("RTP/SAVP")) return SecureTransport::Keying::Sdes;
  return SecureTransport::Keying::None;
}

bool MediaSecurity::bridged(std::string_view senderProtocol, std::string_view recipientProtocol) {
  const auto a = keyingFor(senderProtocol);
  const auto b = keyingFor(recipientProtocol);
  return a != b || a == SecureTransport::Keying::Dtls;
}

SecureTransport& MediaSecurity::ensure(CallMedia& media, Timers& timers,
                                       const std::shared_ptr<const DtlsIdentity>& identity,
                                       const std::string& label) {
  if (!media.secure) {
    media.secure = std::make_unique<SecureTransport>(timers, identity, label);
    media.secure->attach(*media.rtp);
  }
  media.rtp->secure = media.secure.get();
  if (media.rtcp) media.rtcp->secure = media.secure.get();
  return *media.secure;
}

Result<bool> MediaSecurity::applyRemote(SecureTransport& transport,
                                        const sdp::SessionDescription& description,
                                        std::size_t index) {
  const auto ufrag = attribute(description, index, "ice-ufrag");
  if (!ufrag.empty()) {
    const auto& session = description.sessionLines();
    const bool lite = std::any_of(session.begin(), session.end(), [](const sdp::SdpLine& line) {
      return line.type == 'a' && line.isAttribute("ice-lite");
    });
    transport.setRemoteIce(ufrag, attribute(description, index, "ice-pwd"), lite);
  }
  switch (transport.keying()) {
    case SecureTransport::Keying::Dtls: {
      const auto fingerprint = attribute(description, index, "fingerprint");
      std::string_view setup = attribute(description, index, "setup");
      if (setup.empty()) setup = "actpass";  // RFC 4145: active is the default, 5763 says actpass
      if (fingerprint.empty()) return Error{"DTLS fingerprint missing"};
      if (!transport.setRemoteDtls(fingerprint, setup))
        return Error{"Unsupported DTLS fingerprint or setup"};
      break;
    }
    case SecureTransport::Keying::Sdes: {
      // The first a=crypto line with a suite we support (an offer may list several).
      for (const sdp::SdpLine& line : description.media()[index].lines) {
        if (line.type == 'a' && line.isAttribute("crypto") &&
            transport.setRemoteCrypto(line.attributeValue())) {
          return true;
        }
      }
      return Error{"No supported SDES crypto suite"};
    }
    case SecureTransport::Keying::None:
      break;
  }
  return true;
}

void MediaSecurity::planLocal(SecureTransport& transport, sdp::MediaPlan& plan, bool sdesOff,
                              bool isOffer) {
  switch (transport.keying()) {
    case SecureTransport::Keying::Dtls:
      plan.fingerprint = "sha-256 " + transport.localFingerprint();
      plan.setup = isOffer ? "actpass" : std::string(transport.localSetup());
      break;
    case SecureTransport::Keying::Sdes: {
      if (sdesOff) break;
      const SdesCrypto* remote = transport.remoteCrypto();
      const auto& local = transport.localCrypto(
          remote ? remote->profile : SrtpProfile::AesCm128HmacSha1_80, remote ? remote->tag : 1);
      plan.crypto = local.format();
      break;
    }
    case SecureTransport::Keying::None:
      break;
  }
}

}  // namespace rtcgate::media
