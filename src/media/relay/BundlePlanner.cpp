#include "media/relay/BundlePlanner.hpp"

#include <algorithm>
#include <charconv>

#include "media/webrtc/MediaSecurity.hpp"
#include "sdp/Bundle.hpp"

namespace rtcgate::media {
namespace {

// Fills the bundle's SSRC and MID tables from the party's own SDP section.
void learnSection(BundleDemux& demux, const sdp::MediaSection& section, MediaStream* stream) {
  constexpr std::string_view kMidExtension = "urn:ietf:params:rtp-hdrext:sdes:mid";
  for (const sdp::SdpLine& line : section.lines) {
    if (line.type != 'a') continue;
    const std::string_view value = line.attributeValue();
    if (line.isAttribute("ssrc")) {
      std::uint32_t ssrc = 0;
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), ssrc);
      if (ec == std::errc()) demux.addSsrc(ssrc, stream);
    } else if (line.isAttribute("extmap") && value.find(kMidExtension) != std::string_view::npos) {
      unsigned id = 0;
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), id);
      if (ec == std::errc() && id > 0 && id < 256)
        demux.setMidExtension(static_cast<std::uint8_t>(id));
    }
  }
}

}  // namespace

CallMedia* BundlePlanner::owner(Monologue& party) {
  for (CallMedia& media : party.medias) {
    if (media.bundled) return &media;
  }
  return nullptr;
}

void BundlePlanner::dissolveSmall(Monologue& party) {
  const auto members = std::count_if(party.medias.begin(), party.medias.end(),
                                     [](const CallMedia& media) { return media.bundled; });
  if (members >= 2) return;
  for (CallMedia& media : party.medias) media.bundled = false;
}

void BundlePlanner::markSender(Monologue& sender, const sdp::SessionDescription& description) {
  const auto group = sdp::bundleGroup(description);
  for (std::size_t i = 0; i < description.media().size(); ++i) {
    const sdp::MediaSection& section = description.media()[i];
    const std::string_view mid = sdp::midOf(section);
    sender.medias[i].bundled = !mid.empty() && (section.port() != 0 || sdp::bundleOnly(section)) &&
                               std::find(group.begin(), group.end(), mid) != group.end();
  }
  dissolveSmall(sender);
}

void BundlePlanner::markAnswerer(Monologue& answerer, const sdp::SessionDescription& description) {
  for (std::size_t i = 0; i < description.media().size(); ++i) {
    if (description.media()[i].port() == 0) answerer.medias[i].bundled = false;
  }
  dissolveSmall(answerer);
}

void BundlePlanner::markRecipient(Monologue& sender, Monologue& recipient,
                                  const sdp::SessionDescription& description,
                                  const ng::NgRequest& request, sdp::IceAction ice) {
  // Toward a browser (ICE and DTLS-SRTP inserted) every live section goes on one transport, as
  // browsers with bundlePolicy max-bundle require.
  for (std::size_t i = 0; i < description.media().size(); ++i) {
    const sdp::MediaSection& section = description.media()[i];
    const std::string_view protocol =
        request.transportProtocol.empty() ? section.protocol() : request.transportProtocol;
    const bool live = section.port() != 0 || sender.medias[i].bundled;
    recipient.medias[i].bundled =
        live && ice == sdp::IceAction::Insert &&
        MediaSecurity::keyingFor(protocol) == SecureTransport::Keying::Dtls;
  }
  dissolveSmall(recipient);
}

Result<bool> BundlePlanner::settlePorts(Monologue& party, PortSource& ports) {
  CallMedia* carrier = owner(party);
  for (CallMedia& media : party.medias) {
    if (media.bundled && &media != carrier) {
      // The line's packets use the bundle's port and keys from now on.
      for (MediaStream* stream : {media.rtp.get(), media.rtcp.get()}) {
        if (stream == nullptr) continue;
        stream->secure = nullptr;
        ports.release(*stream, carrier->rtp->localPort());
      }
      media.secure.reset();
    } else {
      auto bound = ports.bind(media, !media.rtcp, *party.localInterface);
      if (!bound) return bound;
    }
  }
  return true;
}

void BundlePlanner::configure(Monologue& party, const sdp::SessionDescription* description) {
  CallMedia* carrier = owner(party);
  for (CallMedia& media : party.medias) {
    MediaStream* stream = media.bundled && &media != carrier ? carrier->rtp.get() : nullptr;
    media.rtp->carrier = stream;
    media.rtp->demux = nullptr;
    if (media.rtcp) media.rtcp->carrier = stream;
  }
  if (carrier == nullptr) return;
  if (!carrier->demux) carrier->demux = std::make_unique<BundleDemux>();
  BundleDemux& demux = *carrier->demux;
  carrier->rtp->demux = &demux;
  // Our offer to the party: keep what its last SDP taught unless the lines changed.
  if (description == nullptr && demuxCurrent(party, demux)) return;
  demux.reset();
  for (std::size_t i = 0; i < party.medias.size(); ++i) {
    CallMedia& media = party.medias[i];
    if (!media.bundled) continue;
    demux.addMember(media.rtp.get(), media.mid);
    if (description != nullptr && i < description->media().size()) {
      learnSection(demux, description->media()[i], media.rtp.get());
    }
  }
  // Payload types from the lines' streams (what the party's SDP listed), in line order.
  for (unsigned payloadType = 0; payloadType < 128; ++payloadType) {
    for (CallMedia& media : party.medias) {
      if (media.bundled && media.rtp->payloadAllowed(static_cast<std::uint8_t>(payloadType))) {
        demux.addPayloadType(static_cast<std::uint8_t>(payloadType), media.rtp.get());
        break;
      }
    }
  }
}

void BundlePlanner::planGroup(Monologue& recipient, const sdp::SessionDescription& description,
                              bool senderBundled, std::vector<std::string> recipientMids,
                              sdp::RewritePlan& plan) {
  if (owner(recipient) != nullptr && !recipientMids.empty()) {
    // Several WebRTC sections toward the recipient share one transport: say so (also when the
    // answerer rejected all but one of them: the offerer still expects its group).
    plan.bundleMids = std::move(recipientMids);
    plan.replaceBundle = true;
  } else if (senderBundled) {
    // The recipient gets one port per section: the sender's group does not hold for it.
    plan.replaceBundle = true;
  } else if (description.media().size() == 1 && !plan.media[0].fingerprint.empty()) {
    // One WebRTC section toward the recipient: its transport is trivially a BUNDLE of one.
    const std::string_view mid = sdp::midOf(description.media()[0]);
    const std::string value = !mid.empty() ? std::string(mid) : plan.media[0].mid;
    if (!value.empty()) plan.bundleMids = {value};
  }
}

// The demux lists the party's bundled lines, in order, already.
bool BundlePlanner::demuxCurrent(Monologue& party, const BundleDemux& demux) {
  std::size_t k = 0;
  bool same = true;
  for (CallMedia& media : party.medias) {
    if (!media.bundled) continue;
    same = same && k < demux.memberCount() && demux.member(k) == media.rtp.get();
    ++k;
  }
  return same && k == demux.memberCount();
}

}  // namespace rtcgate::media
