#include "media/relay/CallNegotiator.hpp"

#include <algorithm>
#include <charconv>

#include "media/relay/BundlePlanner.hpp"
#include "media/relay/TranscodePlanner.hpp"
#include "media/webrtc/IceLiteAgent.hpp"
#include "media/webrtc/MediaSecurity.hpp"
#include "sdp/Bundle.hpp"

namespace rtcgate::media {
namespace {

bool isPlainProfile(std::string_view protocol) {
  return protocol == "RTP/AVP" || protocol == "RTP/AVPF";
}

sdp::IceAction iceAction(ng::IceMode mode, bool senderHasIce) {
  switch (mode) {
    case ng::IceMode::Remove:
      return sdp::IceAction::Remove;
    case ng::IceMode::Force:
    case ng::IceMode::Optional:
      return sdp::IceAction::Insert;
    case ng::IceMode::Default:
      return senderHasIce ? sdp::IceAction::Insert : sdp::IceAction::Keep;
    case ng::IceMode::ForceRelay:
      break;
  }
  return sdp::IceAction::Keep;
}

std::uint16_t parsePort(std::string_view text) {
  std::uint16_t port = 0;
  std::from_chars(text.data(), text.data() + text.size(), port);
  return port;
}

// RFC 4733 §7.1.1: "telephone-event", in any case.
bool isTelephoneEvent(const sdp::MediaSection& section, std::string_view format) {
  constexpr std::string_view kName = "telephone-event";
  const std::string_view name = section.encodingName(format);
  return std::equal(name.begin(), name.end(), kName.begin(), kName.end(),
                    [](char a, char b) { return (a | 0x20) == b; });
}

}  // namespace

CallNegotiator::CallNegotiator(PortSource& ports, Timers& timers, Settings settings)
    : ports_(ports), timers_(timers), settings_(std::move(settings)) {}

Result<std::string> CallNegotiator::negotiate(Monologue& sender, Monologue& recipient,
                                              const ng::NgRequest& request, bool isOffer) {
  auto description = sdp::SessionDescription::parse(request.sdp);
  if (!description) return Error{"Failed to parse SDP"};
  const std::size_t count = description->media().size();
  auto placed = chooseInterfaces(sender, recipient, request);
  if (!placed) return Error{placed.error()};
  if (isOffer) {
    auto ok = ensureMedia(sender, count, false);
    if (ok) ok = ensureMedia(recipient, count, request.rtcpMux.require);
    if (!ok) return Error{ok.error()};
  } else if (count > sender.medias.size()) {
    return Error{"Incomplete SDP specification"};
  }
  sdp::RewritePlan plan = basePlan(recipient, *description, request, isOffer);
  // BUNDLE: the sender's side from its SDP (an answer keeps what our offer to it decided, less
  // the lines it rejected); the recipient's side, when it is an offer, from the flags.
  if (isOffer) {
    BundlePlanner::markSender(sender, *description);
    BundlePlanner::markRecipient(sender, recipient, *description, request, plan.ice);
  } else {
    BundlePlanner::markAnswerer(sender, *description);
  }
  for (Monologue* party : {&sender, &recipient}) {
    auto settled = BundlePlanner::settlePorts(*party, ports_);
    if (!settled) return Error{settled.error()};
  }
  const bool senderBundled = BundlePlanner::owner(sender) != nullptr;
  std::vector<std::string> recipientMids;
  for (std::size_t i = 0; i < count; ++i) {
    auto done =
        negotiateSection(sender, recipient, *description, i, request, isOffer, plan, recipientMids);
    if (!done) return Error{done.error()};
  }
  // The bundles' demultiplexing tables, before the rewrite changes the sender's SDP.
  BundlePlanner::configure(sender, &*description);
  BundlePlanner::configure(recipient, nullptr);
  BundlePlanner::planGroup(recipient, *description, senderBundled, std::move(recipientMids), plan);
  sdp::SdpRewriter::rewrite(*description, plan);
  return description->toString();
}

Result<bool> CallNegotiator::chooseInterfaces(Monologue& sender, Monologue& recipient,
                                              const ng::NgRequest& request) const {
  const std::string* names[] = {&request.interface, &request.interface};
  for (std::size_t i = 0; i < 2 && i < request.direction.size(); ++i) {
    names[i] = &request.direction[i];
  }
  Monologue* parties[] = {&sender, &recipient};
  for (std::size_t i = 0; i < 2; ++i) {
    const LocalInterface* found = findInterface(*names[i]);
    if (found == nullptr) return Error{"Unknown media interface"};
    if (parties[i]->localInterface == nullptr) parties[i]->localInterface = found;
  }
  return true;
}

std::optional<std::string> CallNegotiator::unknownInterface(const ng::NgRequest& request) const {
  if (findInterface(request.interface) == nullptr) return request.interface;
  for (const std::string& name : request.direction) {
    if (findInterface(name) == nullptr) return name;
  }
  return std::nullopt;
}

const LocalInterface* CallNegotiator::findInterface(const std::string& name) const {
  const auto& interfaces = settings_.interfaces;
  if (name.empty()) return &interfaces.front();
  for (const LocalInterface& candidate : interfaces) {
    if (candidate.name == name) return &candidate;
  }
  // rtpengine's legacy address-family words, sent by Kamailio for its `internal`/`external`
  // flags: with no interface of that name they select nothing here.
  if (name == "internal" || name == "external") return &interfaces.front();
  return nullptr;
}

Result<bool> CallNegotiator::ensureMedia(Monologue& party, std::size_t count, bool singlePort) {
  while (party.medias.size() < count) {
    CallMedia& media = party.medias.emplace_back();
    media.index = static_cast<unsigned>(party.medias.size());
    auto bound = ports_.bind(media, singlePort, *party.localInterface);
    if (!bound) {
      party.medias.pop_back();
      return bound;
    }
  }
  return true;
}

// The session-wide part of the rewrite: our address, the request's codec, ICE and profile flags.
sdp::RewritePlan CallNegotiator::basePlan(Monologue& recipient,
                                          const sdp::SessionDescription& description,
                                          const ng::NgRequest& request, bool isOffer) {
  const std::size_t count = description.media().size();
  sdp::RewritePlan plan;
  // The recipient's ports are on its interface: its SDP names that interface's address, in that
  // interface's family (IPv4 <-> IPv6 bridging is one leg on each).
  plan.address = recipient.localInterface->advertise;
  plan.ipv6 = recipient.localInterface->ipv6();
  plan.replaceOrigin = request.replaceOrigin;
  plan.rtcpAttribute = !request.noRtcpAttribute;
  plan.fullRtcpAttribute = request.fullRtcpAttribute;
  plan.stripCodecs = request.codec.strip;
  plan.stripCodecs.insert(plan.stripCodecs.end(), request.codec.mask.begin(),
                          request.codec.mask.end());
  plan.preferCodecs = request.codec.offer;
  ensureIceCredentials(recipient);
  plan.iceUfrag = recipient.iceUfrag;
  plan.icePwd = recipient.icePwd;
  bool anyIce = false;
  for (std::size_t i = 0; i < count; ++i) anyIce = anyIce || sdp::hasIce(description, i);
  plan.ice = iceAction(request.ice, anyIce);
  plan.iceLite = true;
  const std::string protocol = !request.transportProtocol.empty() ? request.transportProtocol
                               : isOffer || recipient.medias.empty()
                                   ? std::string()
                                   : recipient.medias.front().protocol;
  plan.protocol = protocol;
  plan.stripCrypto = !protocol.empty() && isPlainProfile(protocol);
  plan.media.resize(count);
  return plan;
}

Result<bool> CallNegotiator::negotiateSection(Monologue& sender, Monologue& recipient,
                                              const sdp::SessionDescription& description,
                                              std::size_t index, const ng::NgRequest& request,
                                              bool isOffer, sdp::RewritePlan& plan,
                                              std::vector<std::string>& recipientMids) {
  const sdp::MediaSection& section = description.media()[index];
  if (!description.connectionAddress(index) && section.port() != 0) {
    return Error{"Incomplete SDP specification"};
  }
  CallMedia& in = sender.medias[index];
  CallMedia& out = recipient.medias[index];
  const std::string_view mid = sdp::midOf(section);
  in.type = section.mediaType();
  in.protocol = section.protocol();
  in.offeredMux = section.findAttribute("rtcp-mux") != nullptr;
  in.rejected = section.port() == 0 && !in.bundled;
  in.hadIce = sdp::hasIce(description, index);
  if (!mid.empty()) in.mid = std::string(mid);
  sdp::MediaPlan media;
  if (isOffer) {
    out.type = in.type;
    out.protocol = request.transportProtocol.empty() ? in.protocol : request.transportProtocol;
  }
  decideMux(in, out, request.rtcpMux, isOffer, media);
  if (in.rejected) return true;  // plan port 0: the section is left as it is
  applyPeer(in, description, index, request);
  if (!isOffer) {
    // The offerer's ports learn from the answer on: its media starts then, not at the offer.
    restartLearning(out);
    // It sends with the answer's codec (RFC 3264 6.1), not its own first: a browser offering
    // Opus that a phone answered with PCMU sends PCMU, whose clock times its jitter and DTMF.
    if (out.rtp != nullptr && in.rtp != nullptr) out.rtp->clockRate = in.rtp->clockRate;
    // Unless it picked a codec only the relay offered: the offerer then gets its own back.
    auto transcoded = TranscodePlanner::planAnswer(section, in, out, media);
    if (!transcoded) return Error{transcoded.error()};
  } else {
    media.addFormats = TranscodePlanner::planOffer(section, request.codec.transcode, in, out);
  }
  media.rtpPort =
      out.bundled ? BundlePlanner::owner(recipient)->rtp->localPort() : out.rtp->localPort();
  media.rtcpPort =
      out.rtcp && !out.bundled && !(media.rtcpMux && out.rtcpMux) ? out.rtcp->localPort() : 0;
  // The recipient's own mid when it named one (an answer must echo the offer's), else ours.
  if (request.generateMid || out.bundled) {
    media.mid = !out.mid.empty() ? out.mid : std::to_string(index);
  }
  auto secured = secure(sender, recipient, in, out, description, index, request, plan, media);
  if (!secured) return secured;
  const std::string shown = !mid.empty() ? std::string(mid) : media.mid;
  if (isOffer) out.mid = shown;
  if (out.bundled) recipientMids.push_back(shown);
  plan.media[index] = media;
  wire(in, out);
  return true;
}

// rtcp-mux (RFC 5761) on both sides of a section, as the request's flags and the SDP say.
void CallNegotiator::decideMux(CallMedia& in, CallMedia& out, const ng::RtcpMuxFlags& mux,
                               bool isOffer, sdp::MediaPlan& media) {
  if (isOffer) {
    out.muxOfferedTo = (in.offeredMux && !mux.demux && !mux.reject) || mux.offer || mux.require;
    out.rtcpMux = mux.require || !out.rtcp;
    in.muxAcceptForced = mux.demux || mux.accept;
    in.rtcpMux = in.offeredMux && !mux.reject && in.muxAcceptForced;
    media.rtcpMux = out.muxOfferedTo;
  } else {
    in.rtcpMux = in.offeredMux;
    out.rtcpMux =
        out.offeredMux && !mux.reject &&
        (out.muxAcceptForced || in.rtcpMux || mux.accept || mux.require || mux.offer || mux.demux);
    media.rtcpMux = out.rtcpMux;
  }
  // A bundle is always rtcp-mux (RFC 8843 §9.1): its one port carries everything.
  if (in.bundled) in.rtcpMux = true;
  if (out.bundled) {
    out.rtcpMux = true;
    if (isOffer) out.muxOfferedTo = true;
    media.rtcpMux = true;
  }
}

void CallNegotiator::applyPeer(CallMedia& media, const sdp::SessionDescription& description,
                               std::size_t index, const ng::NgRequest& request) {
  const sdp::MediaSection& section = description.media()[index];
  std::string host(description.connectionAddress(index).value_or(""));
  // Where the sender really is: its SDP (trust-address, the default), the SIP source address
  // (SIP-source-address), or an explicit media-address.
  if (!request.mediaAddress.empty()) {
    host = request.mediaAddress;
  } else if (request.sipSourceAddress && !request.receivedFromAddress.empty()) {
    host = request.receivedFromAddress;
  }
  const Latch::Policy policy{request.asymmetric, request.mediaHandover, settings_.learningDelay};
  auto rtpAddress = SocketAddress::parse(host, section.port());
  std::uint16_t rtcpPort = static_cast<std::uint16_t>(section.port() + 1);
  std::string rtcpHost = host;
  if (const sdp::SdpLine* rtcp = section.findAttribute("rtcp")) {
    const std::string_view value = rtcp->attributeValue();
    rtcpPort = parsePort(value.substr(0, value.find(' ')));
    if (auto explicitHost =
            sdp::connectionHost(value.substr(std::min(value.size(), value.find(' ') + 1)))) {
      if (request.mediaAddress.empty() && !request.sipSourceAddress) rtcpHost = *explicitHost;
    }
  }
  if (media.rtcpMux) rtcpPort = section.port();
  auto rtcpAddress = SocketAddress::parse(rtcpHost, rtcpPort);
  media.rtp->expectPeer(rtpAddress ? PeerAddress::from(*rtpAddress) : PeerAddress{}, policy);
  if (media.rtcp) {
    media.rtcp->expectPeer(rtcpAddress ? PeerAddress::from(*rtcpAddress) : PeerAddress{}, policy);
  }
  media.rtp->clearPayloadTypes();
  media.rtp->telephoneEvents.clear();
  media.formats.clear();
  const auto formats = section.formats();
  for (std::string_view format : formats) {
    std::uint8_t payloadType = 0;
    auto [ptr, ec] = std::from_chars(format.data(), format.data() + format.size(), payloadType);
    if (ec == std::errc() && payloadType < 128) {
      media.rtp->allowPayloadType(payloadType);
      media.formats.push_back(
          {payloadType, std::string(section.encodingName(format)), section.clockRate(format)});
    }
    if (ec == std::errc() && payloadType < 128 && isTelephoneEvent(section, format)) {
      media.rtp->telephoneEvents.add(payloadType, section.clockRate(format));
    }
  }
  if (!formats.empty()) media.rtp->clockRate = section.clockRate(formats.front());
}

void CallNegotiator::restartLearning(CallMedia& media) {
  for (MediaStream* stream : {media.rtp.get(), media.rtcp.get()}) {
    if (stream != nullptr) stream->restartLearning();
  }
}

Result<bool> CallNegotiator::secure(Monologue& sender, Monologue& recipient, CallMedia& in,
                                    CallMedia& out, const sdp::SessionDescription& description,
                                    std::size_t index, const ng::NgRequest& request,
                                    sdp::RewritePlan& plan, sdp::MediaPlan& media) {
  const bool bridge = MediaSecurity::bridged(in.protocol, out.protocol);
  const auto inKeying =
      bridge ? MediaSecurity::keyingFor(in.protocol) : SecureTransport::Keying::None;
  const auto outKeying =
      bridge ? MediaSecurity::keyingFor(out.protocol) : SecureTransport::Keying::None;
  const auto& identity = settings_.dtlsIdentity;
  if ((inKeying == SecureTransport::Keying::Dtls || outKeying == SecureTransport::Keying::Dtls) &&
      !identity) {
    return Error{"DTLS not available"};
  }
  if (bridge) plan.stripCrypto = true;  // we terminate: the sender's keys are not the recipient's
  const std::string label = "call " + request.callId + " media " + std::to_string(in.index);
  // The other lines of a bundle use the first line's transport: its SDP section and ours carry
  // the bundle's ICE and DTLS (RFC 8843 §7: the offerer-tagged section).
  const bool inMember = in.bundled && BundlePlanner::owner(sender) != &in;
  if ((inKeying != SecureTransport::Keying::None || in.hadIce) && !inMember) {
    SecureTransport& transport = MediaSecurity::ensure(in, timers_, identity, label);
    transport.setKeying(inKeying);
    if (in.hadIce) {
      ensureIceCredentials(sender);
      transport.enableIce({sender.iceUfrag, sender.icePwd});
    }
    auto applied = MediaSecurity::applyRemote(transport, description, index);
    if (!applied) return applied;
  }
  if (outKeying != SecureTransport::Keying::None || plan.ice == sdp::IceAction::Insert) {
    CallMedia& carrier = out.bundled ? *BundlePlanner::owner(recipient) : out;
    SecureTransport& transport = MediaSecurity::ensure(carrier, timers_, identity, label);
    if (&carrier == &out) {
      transport.setKeying(outKeying);
      if (plan.ice == sdp::IceAction::Insert) {
        transport.enableIce({recipient.iceUfrag, recipient.icePwd});
      }
    }
    MediaSecurity::planLocal(transport, media, request.sdesOff,
                             request.command == ng::Command::Offer);
  }
  return true;
}

void CallNegotiator::wire(CallMedia& a, CallMedia& b) {
  auto rtcpOut = [](CallMedia& to) {
    return to.rtcpMux || !to.rtcp ? to.rtp.get() : to.rtcp.get();
  };
  a.rtp->rtpTarget = b.rtp.get();
  a.rtp->rtcpTarget = rtcpOut(b);
  b.rtp->rtpTarget = a.rtp.get();
  b.rtp->rtcpTarget = rtcpOut(a);
  if (a.rtcp) a.rtcp->rtcpTarget = rtcpOut(b);
  if (b.rtcp) b.rtcp->rtcpTarget = rtcpOut(a);
}

void CallNegotiator::ensureIceCredentials(Monologue& party) {
  if (!party.iceUfrag.empty()) return;
  const IceCredentials credentials = IceLiteAgent::generateCredentials();
  party.iceUfrag = credentials.ufrag;
  party.icePwd = credentials.pwd;
}

}  // namespace rtcgate::media
