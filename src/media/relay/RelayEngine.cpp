#include "media/relay/RelayEngine.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

#include "base/LogContext.hpp"
#include "media/relay/CallReport.hpp"
#include "media/relay/HeapTrimmer.hpp"
#include "media/relay/ListenUrl.hpp"
#include "media/webrtc/MediaSecurity.hpp"
#include "sdp/SdpRewriter.hpp"
#include "sdp/SessionDescription.hpp"

namespace rtcgate::media {
namespace {

ng::Value errorReply(const char* reason) {
  ng::Value reply = ng::Value::dict();
  reply.set("result", "error");
  reply.set("error-reason", reason);
  return reply;
}

ng::Value okReply(const ng::NgRequest& request) {
  ng::Value reply = ng::Value::dict();
  reply.set("result", "ok");
  if (!request.warnings.empty()) reply.set("warning", request.warningText());
  return reply;
}

bool hasIce(const sdp::SessionDescription& description, std::size_t index) {
  return description.hasSessionAttribute("ice-ufrag") ||
         description.media()[index].findAttribute("ice-ufrag") != nullptr ||
         description.media()[index].findAttribute("candidate") != nullptr;
}

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

std::string_view midOf(const sdp::MediaSection& section) {
  const sdp::SdpLine* mid = section.findAttribute("mid");
  return mid != nullptr ? mid->attributeValue() : std::string_view();
}

// The mids of the first a=group:BUNDLE line.
std::vector<std::string_view> bundleGroup(const sdp::SessionDescription& description) {
  std::vector<std::string_view> mids;
  for (const sdp::SdpLine& line : description.sessionLines()) {
    if (!line.isAttribute("group") || !line.attributeValue().starts_with("BUNDLE")) continue;
    std::string_view rest = line.attributeValue().substr(6);
    while (!rest.empty()) {
      const std::size_t start = rest.find_first_not_of(' ');
      if (start == std::string_view::npos) break;
      rest.remove_prefix(start);
      const std::size_t end = std::min(rest.size(), rest.find(' '));
      mids.push_back(rest.substr(0, end));
      rest.remove_prefix(end);
    }
    break;
  }
  return mids;
}

// RFC 8843 §6: a bundle-only section has port 0 and is still in use, on the bundle's transport.
bool bundleOnly(const sdp::MediaSection& section) {
  return section.port() == 0 && section.findAttribute("bundle-only") != nullptr;
}

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

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::shared_ptr<const DtlsIdentity> makeDtlsIdentity(const RelayOptions& options) {
  auto identity =
      options.dtlsCertificate.empty()
          ? DtlsIdentity::generate()
          : DtlsIdentity::load(readFile(options.dtlsCertificate), readFile(options.dtlsPrivateKey));
  if (!identity) {
    spdlog::error("media relay: {}; DTLS-SRTP streams will be refused", identity.error());
    return nullptr;
  }
  return *identity;
}

std::uint16_t parsePort(std::string_view text) {
  std::uint16_t port = 0;
  std::from_chars(text.data(), text.data() + text.size(), port);
  return port;
}

}  // namespace

RelayEngine::RelayEngine(EventLoop& loop, const RelayOptions& options)
    : loop_(loop),
      options_(options),
      pool_(options.portMin, options.portMax),
      relay_(loop),
      started_(loop.now()),
      dtlsIdentity_(makeDtlsIdentity(options)) {
  std::string bind = options.bindAddress;
  if (bind.empty() && !options.listen.empty()) {
    if (auto listen = parseListenUrl(options.listen.front())) bind = listen->host();
  }
  auto address = SocketAddress::parse(bind.empty() ? "127.0.0.1" : bind, 0);
  bindAddress_ = PeerAddress::from(address.value_or(*SocketAddress::parse("127.0.0.1", 0)));
  advertise_ =
      options.advertise.empty() ? bindAddress_.toSocketAddress().host() : options.advertise;
  advertiseV6_ = advertise_.find(':') != std::string::npos;
  scheduleExpiry();
}

RelayEngine::~RelayEngine() {
  loop_.cancel(expiryTimer_);
  for (Timers::Id id : delayedDeletes_) loop_.cancel(id);
  while (!calls_.empty()) destroyCall(calls_.begin()->first);
}

void RelayEngine::scheduleExpiry() {
  expiryTimer_ = loop_.start(std::chrono::seconds(1), [this] {
    expireIdleCalls();
    scheduleExpiry();
  });
}

void RelayEngine::expireIdleCalls() {
  const auto now = loop_.now();
  std::vector<std::string> idle;
  for (const auto& [callId, call] : calls_) {
    if (now - call->lastActivity() > options_.mediaTimeout) idle.push_back(callId);
  }
  for (const std::string& callId : idle) {
    spdlog::info("media timeout: deleting call {}", callId);
    ++counters_.timeoutSessions;
    destroyCall(callId);
  }
  checkIceConsent();
}

void RelayEngine::checkIceConsent() {
  for (const auto& [callId, call] : calls_) {
    for (const auto& party : call->parties) {
      for (CallMedia& media : party->medias) {
        if (media.secure && media.secure->checkConsent()) {
          // RFC 7675: no consent for 30 s; stop sending (SecureTransport drops) and say so.
          ++counters_.iceConsentFailures;
          spdlog::warn("call {} media {} party '{}': ICE consent expired, stream dead", callId,
                       media.index, party->tag);
        }
        if (media.secure) counters_.dtlsFailures.add(media.secure->takeFailures());
      }
    }
  }
}

Result<bool> RelayEngine::secure(Monologue& sender, Monologue& recipient, CallMedia& in,
                                 CallMedia& out, const sdp::SessionDescription& description,
                                 std::size_t index, const ng::NgRequest& request,
                                 sdp::RewritePlan& plan, sdp::MediaPlan& media) {
  const bool bridge = MediaSecurity::bridged(in.protocol, out.protocol);
  const auto inKeying =
      bridge ? MediaSecurity::keyingFor(in.protocol) : SecureTransport::Keying::None;
  const auto outKeying =
      bridge ? MediaSecurity::keyingFor(out.protocol) : SecureTransport::Keying::None;
  if ((inKeying == SecureTransport::Keying::Dtls || outKeying == SecureTransport::Keying::Dtls) &&
      !dtlsIdentity_) {
    return Error{"DTLS not available"};
  }
  if (bridge) plan.stripCrypto = true;  // we terminate: the sender's keys are not the recipient's
  const std::string label = "call " + request.callId + " media " + std::to_string(in.index);
  // The other lines of a bundle use the first line's transport: its SDP section and ours carry
  // the bundle's ICE and DTLS (RFC 8843 §7: the offerer-tagged section).
  const bool inMember = in.bundled && bundleOwner(sender) != &in;
  if ((inKeying != SecureTransport::Keying::None || in.hadIce) && !inMember) {
    SecureTransport& transport = MediaSecurity::ensure(in, loop_, dtlsIdentity_, label);
    transport.setKeying(inKeying);
    if (in.hadIce) {
      ensureIceCredentials(sender);
      transport.enableIce({sender.iceUfrag, sender.icePwd});
    }
    auto applied = MediaSecurity::applyRemote(transport, description, index);
    if (!applied) return applied;
  }
  if (outKeying != SecureTransport::Keying::None || plan.ice == sdp::IceAction::Insert) {
    CallMedia& carrier = out.bundled ? *bundleOwner(recipient) : out;
    SecureTransport& transport = MediaSecurity::ensure(carrier, loop_, dtlsIdentity_, label);
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

void RelayEngine::ensureIceCredentials(Monologue& party) {
  if (!party.iceUfrag.empty()) return;
  const IceCredentials credentials = IceLiteAgent::generateCredentials();
  party.iceUfrag = credentials.ufrag;
  party.icePwd = credentials.pwd;
}

ng::Value RelayEngine::handle(const ng::Value& request) {
  auto parsed = ng::NgRequest::parse(request);
  if (!parsed) return errorReply(parsed.error());
  return handle(*parsed);
}

ng::Value RelayEngine::handle(const ng::NgRequest& request) {
  const LogCallScope logScope(request.callId);  // log.format json's call_id
  if (!request.warnings.empty()) spdlog::warn("ng request: {}", request.warningText());
  switch (request.command) {
    case ng::Command::Ping: {
      ng::Value reply = ng::Value::dict();
      reply.set("result", "pong");
      return reply;
    }
    case ng::Command::Offer:
      return offer(request);
    case ng::Command::Answer:
      return answer(request);
    case ng::Command::Delete:
      return remove(request);
    case ng::Command::Query:
      return query(request);
    case ng::Command::List:
      return list(request);
    case ng::Command::Statistics:
      return statistics();
  }
  return errorReply("Unrecognized command");
}

std::pair<Monologue*, Monologue*> RelayEngine::createPair(Call& call,
                                                          const ng::NgRequest& request) {
  auto offerer = std::make_unique<Monologue>();
  auto answerer = std::make_unique<Monologue>();
  offerer->tag = request.fromTag;
  offerer->viaBranch = answerer->viaBranch = request.viaBranch;
  offerer->created = answerer->created = loop_.now();
  offerer->partner = answerer.get();
  answerer->partner = offerer.get();
  call.parties.push_back(std::move(offerer));
  call.parties.push_back(std::move(answerer));
  return {call.parties[call.parties.size() - 2].get(), call.parties.back().get()};
}

Monologue* RelayEngine::findOfferer(Call& call, const ng::NgRequest& request) {
  // An established dialogue (re-INVITE from either side) wins over the branch of the request.
  for (auto& party : call.parties) {
    if (party->tag == request.fromTag && !party->partner->tag.empty() &&
        (request.toTag.empty() || party->partner->tag == request.toTag)) {
      return party.get();
    }
  }
  for (auto& party : call.parties) {
    if (party->tag == request.fromTag && (request.viaBranch.empty() || party->viaBranch.empty() ||
                                          party->viaBranch == request.viaBranch)) {
      return party.get();
    }
  }
  return nullptr;
}

Monologue* RelayEngine::findAnswered(Call& call, const ng::NgRequest& request) {
  Monologue* pending = nullptr;
  Monologue* branchMatch = nullptr;
  for (auto& party : call.parties) {
    if (party->tag != request.fromTag) continue;
    if (party->partner->tag == request.toTag) return party.get();
    if (!party->partner->tag.empty()) continue;
    if (pending == nullptr) pending = party.get();
    if (!request.viaBranch.empty() && party->viaBranch == request.viaBranch) {
      branchMatch = party.get();
    }
  }
  return branchMatch != nullptr ? branchMatch : pending;
}

ng::Value RelayEngine::offer(const ng::NgRequest& request) {
  // Each stream costs ports and sockets: an offer over the cap is refused before any is taken.
  if (sdp::SessionDescription::countMediaSections(request.sdp) > options_.maxStreamsPerOffer) {
    if (!calls_.contains(request.callId)) ++counters_.rejectedSessions;
    return errorReply("Too many media streams");
  }
  auto [it, created] = calls_.try_emplace(request.callId);
  if (created) {
    it->second = std::make_unique<Call>();
    it->second->callId = request.callId;
    it->second->created = loop_.now();
  }
  Call& call = *it->second;
  call.lastSignal = loop_.now();
  Monologue* offerer = findOfferer(call, request);
  if (offerer == nullptr) offerer = createPair(call, request).first;
  if (!request.label.empty()) offerer->label = request.label;
  auto sdp = negotiate(*offerer, *offerer->partner, request, true);
  if (!sdp) {
    if (created) {
      ++counters_.rejectedSessions;
      destroyCall(request.callId);
    }
    return errorReply(sdp.error());
  }
  if (created) {
    ++counters_.managedSessions;
    sessionsChanged();
  }
  ng::Value reply = okReply(request);
  reply.set("sdp", std::move(*sdp));
  return reply;
}

ng::Value RelayEngine::answer(const ng::NgRequest& request) {
  auto it = calls_.find(request.callId);
  if (it == calls_.end()) return errorReply("Unknown call-id");
  Call& call = *it->second;
  Monologue* offerer = findAnswered(call, request);
  if (offerer == nullptr) return errorReply("Given from-tag not found");
  call.lastSignal = loop_.now();
  Monologue& answerer = *offerer->partner;
  answerer.tag = request.toTag;
  auto sdp = negotiate(answerer, *offerer, request, false);
  if (!sdp) return errorReply(sdp.error());
  ng::Value reply = okReply(request);
  reply.set("sdp", std::move(*sdp));
  return reply;
}

Result<bool> RelayEngine::openMedia(CallMedia& media, bool singlePort) {
  // Ports can be held by other processes, often in runs (another relay's range overlapping ours):
  // skip past them until every candidate was tried, rather than give up after a few.
  const std::size_t attempts = std::max<std::size_t>(1, pool_.capacity() / (singlePort ? 1 : 2));
  for (std::size_t attempt = 0; attempt < attempts; ++attempt) {
    auto port = singlePort ? pool_.allocateOne() : pool_.allocatePair();
    if (!port) return Error{port.error()};
    auto rtp = std::make_unique<MediaStream>(relay_, false);
    auto rtcp = singlePort ? nullptr : std::make_unique<MediaStream>(relay_, true);
    PeerAddress local = bindAddress_;
    SocketAddress address = local.toSocketAddress();
    address.setPort(*port);
    bool ok = rtp->open(PeerAddress::from(address));
    if (ok && rtcp) {
      address.setPort(static_cast<std::uint16_t>(*port + 1));
      ok = rtcp->open(PeerAddress::from(address));
    }
    if (ok) {
      media.rtp = std::move(rtp);
      media.rtcp = std::move(rtcp);
      return true;
    }
    pool_.release(*port);
    if (!singlePort) pool_.release(static_cast<std::uint16_t>(*port + 1));
  }
  return Error{"Ran out of ports"};
}

Result<bool> RelayEngine::ensureMedia(Monologue& party, std::size_t count, bool singlePort) {
  while (party.medias.size() < count) {
    CallMedia& media = party.medias.emplace_back();
    media.index = static_cast<unsigned>(party.medias.size());
    auto opened = openMedia(media, singlePort);
    if (!opened) {
      party.medias.pop_back();
      return opened;
    }
  }
  return true;
}

void RelayEngine::applyPeer(CallMedia& media, const sdp::SessionDescription& description,
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
  const Latch::Policy policy{request.asymmetric, request.mediaHandover, options_.learningDelay};
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
  const auto formats = section.formats();
  for (std::string_view format : formats) {
    std::uint8_t payloadType = 0;
    auto [ptr, ec] = std::from_chars(format.data(), format.data() + format.size(), payloadType);
    if (ec == std::errc() && payloadType < 128) media.rtp->allowPayloadType(payloadType);
  }
  if (!formats.empty()) media.rtp->clockRate = section.clockRate(formats.front());
}

void RelayEngine::restartLearning(CallMedia& media) {
  for (MediaStream* stream : {media.rtp.get(), media.rtcp.get()}) {
    if (stream != nullptr) stream->restartLearning();
  }
}

Result<bool> RelayEngine::settleBundlePorts(Monologue& party) {
  CallMedia* owner = bundleOwner(party);
  for (CallMedia& media : party.medias) {
    if (media.bundled && &media != owner) {
      // The line's packets use the bundle's port and keys from now on.
      for (MediaStream* stream : {media.rtp.get(), media.rtcp.get()}) {
        if (stream == nullptr) continue;
        stream->secure = nullptr;
        if (stream->hasSocket()) pool_.release(stream->localPort());
        stream->detach(owner->rtp->localPort());
      }
      media.secure.reset();
    } else if (!media.rtp->hasSocket()) {
      auto reopened = reopenMedia(media);
      if (!reopened) return reopened;
    }
  }
  return true;
}

Result<bool> RelayEngine::reopenMedia(CallMedia& media) {
  const bool singlePort = !media.rtcp;
  const std::size_t attempts = std::max<std::size_t>(1, pool_.capacity() / (singlePort ? 1 : 2));
  for (std::size_t attempt = 0; attempt < attempts; ++attempt) {
    auto port = singlePort ? pool_.allocateOne() : pool_.allocatePair();
    if (!port) return Error{port.error()};
    SocketAddress address = bindAddress_.toSocketAddress();
    address.setPort(*port);
    bool ok = media.rtp->open(PeerAddress::from(address));
    if (ok && media.rtcp) {
      address.setPort(static_cast<std::uint16_t>(*port + 1));
      ok = media.rtcp->open(PeerAddress::from(address));
      if (!ok) media.rtp->detach(0);
    }
    if (ok) return true;
    pool_.release(*port);
    if (!singlePort) pool_.release(static_cast<std::uint16_t>(*port + 1));
  }
  return Error{"Ran out of ports"};
}

CallMedia* RelayEngine::bundleOwner(Monologue& party) {
  for (CallMedia& media : party.medias) {
    if (media.bundled) return &media;
  }
  return nullptr;
}

void RelayEngine::dissolveSmallBundle(Monologue& party) {
  const auto members = std::count_if(party.medias.begin(), party.medias.end(),
                                     [](const CallMedia& media) { return media.bundled; });
  if (members >= 2) return;
  for (CallMedia& media : party.medias) media.bundled = false;
}

void RelayEngine::markSenderBundle(Monologue& sender, const sdp::SessionDescription& description) {
  const auto group = bundleGroup(description);
  for (std::size_t i = 0; i < description.media().size(); ++i) {
    const sdp::MediaSection& section = description.media()[i];
    const std::string_view mid = midOf(section);
    sender.medias[i].bundled = !mid.empty() && (section.port() != 0 || bundleOnly(section)) &&
                               std::find(group.begin(), group.end(), mid) != group.end();
  }
  dissolveSmallBundle(sender);
}

void RelayEngine::markRecipientBundle(Monologue& sender, Monologue& recipient,
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
  dissolveSmallBundle(recipient);
}

void RelayEngine::configureBundle(Monologue& party, const sdp::SessionDescription* description) {
  CallMedia* owner = bundleOwner(party);
  for (CallMedia& media : party.medias) {
    MediaStream* carrier = media.bundled && &media != owner ? owner->rtp.get() : nullptr;
    media.rtp->carrier = carrier;
    media.rtp->demux = nullptr;
    if (media.rtcp) media.rtcp->carrier = carrier;
  }
  if (owner == nullptr) return;
  if (!owner->demux) owner->demux = std::make_unique<BundleDemux>();
  BundleDemux& demux = *owner->demux;
  owner->rtp->demux = &demux;
  if (description == nullptr) {
    // Our offer to the party: keep what its last SDP taught unless the lines changed.
    std::size_t k = 0;
    bool same = true;
    for (CallMedia& media : party.medias) {
      if (!media.bundled) continue;
      same = same && k < demux.memberCount() && demux.member(k) == media.rtp.get();
      ++k;
    }
    if (same && k == demux.memberCount()) return;
  }
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

void RelayEngine::wire(CallMedia& a, CallMedia& b) {
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

Result<std::string> RelayEngine::negotiate(Monologue& sender, Monologue& recipient,
                                           const ng::NgRequest& request, bool isOffer) {
  auto description = sdp::SessionDescription::parse(request.sdp);
  if (!description) return Error{"Failed to parse SDP"};
  const std::size_t count = description->media().size();
  if (isOffer) {
    auto ok = ensureMedia(sender, count, false);
    if (ok) ok = ensureMedia(recipient, count, request.rtcpMux.require);
    if (!ok) return Error{ok.error()};
  } else if (count > sender.medias.size()) {
    return Error{"Incomplete SDP specification"};
  }
  sdp::RewritePlan plan;
  plan.address = advertise_;
  plan.ipv6 = advertiseV6_;
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
  for (std::size_t i = 0; i < count; ++i) anyIce = anyIce || hasIce(*description, i);
  plan.ice = iceAction(request.ice, anyIce);
  plan.iceLite = true;
  const std::string protocol = !request.transportProtocol.empty() ? request.transportProtocol
                               : isOffer || recipient.medias.empty()
                                   ? std::string()
                                   : recipient.medias.front().protocol;
  plan.protocol = protocol;
  plan.stripCrypto = !protocol.empty() && isPlainProfile(protocol);
  plan.media.resize(count);
  // BUNDLE: the sender's side from its SDP (an answer keeps what our offer to it decided, less
  // the lines it rejected); the recipient's side, when it is an offer, from the flags.
  if (isOffer) {
    markSenderBundle(sender, *description);
    markRecipientBundle(sender, recipient, *description, request, plan.ice);
  } else {
    for (std::size_t i = 0; i < count; ++i) {
      if (description->media()[i].port() == 0) sender.medias[i].bundled = false;
    }
    dissolveSmallBundle(sender);
  }
  for (Monologue* party : {&sender, &recipient}) {
    auto settled = settleBundlePorts(*party);
    if (!settled) return Error{settled.error()};
  }
  const bool senderBundled = bundleOwner(sender) != nullptr;
  std::vector<std::string> recipientMids;
  for (std::size_t i = 0; i < count; ++i) {
    const sdp::MediaSection& section = description->media()[i];
    if (!description->connectionAddress(i) && section.port() != 0) {
      return Error{"Incomplete SDP specification"};
    }
    CallMedia& in = sender.medias[i];
    CallMedia& out = recipient.medias[i];
    in.type = section.mediaType();
    in.protocol = section.protocol();
    in.offeredMux = section.findAttribute("rtcp-mux") != nullptr;
    in.rejected = section.port() == 0 && !in.bundled;
    in.hadIce = hasIce(*description, i);
    if (!midOf(section).empty()) in.mid = std::string(midOf(section));
    const ng::RtcpMuxFlags& mux = request.rtcpMux;
    sdp::MediaPlan media;
    if (isOffer) {
      out.type = in.type;
      out.protocol = request.transportProtocol.empty() ? in.protocol : request.transportProtocol;
      out.muxOfferedTo = (in.offeredMux && !mux.demux && !mux.reject) || mux.offer || mux.require;
      out.rtcpMux = mux.require || !out.rtcp;
      in.muxAcceptForced = mux.demux || mux.accept;
      in.rtcpMux = in.offeredMux && !mux.reject && in.muxAcceptForced;
      media.rtcpMux = out.muxOfferedTo;
    } else {
      in.rtcpMux = in.offeredMux;
      out.rtcpMux = out.offeredMux && !mux.reject &&
                    (out.muxAcceptForced || in.rtcpMux || mux.accept || mux.require || mux.offer ||
                     mux.demux);
      media.rtcpMux = out.rtcpMux;
    }
    // A bundle is always rtcp-mux (RFC 8843 §9.1): its one port carries everything.
    if (in.bundled) in.rtcpMux = true;
    if (out.bundled) {
      out.rtcpMux = true;
      if (isOffer) out.muxOfferedTo = true;
      media.rtcpMux = true;
    }
    if (in.rejected) continue;  // plan port 0: the section is left as it is
    applyPeer(in, *description, i, request);
    // The offerer's ports learn from the answer on: its media starts then, not at the offer.
    if (!isOffer) restartLearning(out);
    media.rtpPort = out.bundled ? bundleOwner(recipient)->rtp->localPort() : out.rtp->localPort();
    media.rtcpPort =
        out.rtcp && !out.bundled && !(media.rtcpMux && out.rtcpMux) ? out.rtcp->localPort() : 0;
    // The recipient's own mid when it named one (an answer must echo the offer's), else ours.
    if (request.generateMid || out.bundled) {
      media.mid = !out.mid.empty() ? out.mid : std::to_string(i);
    }
    auto secured = secure(sender, recipient, in, out, *description, i, request, plan, media);
    if (!secured) return Error{secured.error()};
    const std::string shown = !midOf(section).empty() ? std::string(midOf(section)) : media.mid;
    if (isOffer) out.mid = shown;
    if (out.bundled) recipientMids.push_back(shown);
    plan.media[i] = media;
    wire(in, out);
  }
  // The bundles' demultiplexing tables, before the rewrite changes the sender's SDP.
  configureBundle(sender, &*description);
  configureBundle(recipient, nullptr);
  if (bundleOwner(recipient) != nullptr && !recipientMids.empty()) {
    // Several WebRTC sections toward the recipient share one transport: say so (also when the
    // answerer rejected all but one of them: the offerer still expects its group).
    plan.bundleMids = std::move(recipientMids);
    plan.replaceBundle = true;
  } else if (senderBundled) {
    // The recipient gets one port per section: the sender's group does not hold for it.
    plan.replaceBundle = true;
  } else if (count == 1 && !plan.media[0].fingerprint.empty()) {
    // One WebRTC section toward the recipient: its transport is trivially a BUNDLE of one.
    const sdp::SdpLine* mid = description->media()[0].findAttribute("mid");
    const std::string value =
        mid != nullptr ? std::string(mid->attributeValue()) : plan.media[0].mid;
    if (!value.empty()) plan.bundleMids = {value};
  }
  sdp::SdpRewriter::rewrite(*description, plan);
  return description->toString();
}

// What a party's streams leave in the relay-wide counters when they go: their loss, and a DTLS
// failure the once-a-second sweep has not counted yet.
void RelayEngine::countFailures(CallMedia& media) {
  for (const MediaStream* stream : {media.rtp.get(), media.rtcp.get()}) {
    if (stream && stream->stats().lost() > 0) {
      counters_.lostPackets.add(static_cast<std::uint64_t>(stream->stats().lost()));
    }
  }
  if (media.secure) counters_.dtlsFailures.add(media.secure->takeFailures());
}

void RelayEngine::destroyParty(Monologue& party) {
  for (CallMedia& media : party.medias) {
    countFailures(media);
    // A bundle's other lines hold no port of their own.
    if (media.rtp && media.rtp->hasSocket()) pool_.release(media.rtp->localPort());
    if (media.rtcp && media.rtcp->hasSocket()) pool_.release(media.rtcp->localPort());
  }
  party.medias.clear();
}

void RelayEngine::destroyCall(const std::string& callId) {
  auto it = calls_.find(callId);
  if (it == calls_.end()) return;
  for (auto& party : it->second->parties) destroyParty(*party);
  calls_.erase(it);
  HeapTrimmer::noteRelease();
  sessionsChanged();
}

ng::Value RelayEngine::remove(const ng::NgRequest& request) {
  auto it = calls_.find(request.callId);
  if (it == calls_.end()) {
    if (request.fatal) return errorReply("Call-ID not found or tags didn't match");
    ng::Value reply = okReply(request);
    reply.set("warning", "Call-ID not found or tags didn't match");
    return reply;
  }
  Call& call = *it->second;
  // Which parties go: rtpengine's order is via-branch (without to-tag), to-tag, from-tag; the
  // party found goes with its dialogue partner. No from-tag: the whole call.
  auto selects = [&](const Monologue& party) {
    if (request.fromTag.empty()) return true;
    if (!request.viaBranch.empty() && request.toTag.empty()) {
      return party.viaBranch == request.viaBranch && party.tag == request.fromTag;
    }
    if (!request.toTag.empty()) return party.tag == request.toTag;
    return party.tag == request.fromTag;
  };
  const bool matches = std::any_of(call.parties.begin(), call.parties.end(),
                                   [&](const auto& party) { return selects(*party); });
  if (!matches && !request.fromTag.empty()) {
    if (request.fatal) return errorReply("Call-ID not found or tags didn't match");
    ng::Value reply = okReply(request);
    reply.set("warning", "Call-ID not found or tags didn't match");
    return reply;
  }
  ng::Value reply = okReply(request);
  if (!request.fast) {
    CallReport(call,
               std::chrono::system_clock::now().time_since_epoch() - loop_.now().time_since_epoch())
        .fill(reply);
  }
  if (request.deleteDelay.value_or(0) > 0) {
    // Keep the call (media and queries keep working) and delete it later, like rtpengine's
    // `delete delay`; the statistics in this reply are those of now.
    ng::NgRequest later = request;
    later.deleteDelay.reset();
    later.fast = true;
    delayedDeletes_.push_back(
        loop_.start(std::chrono::seconds(*request.deleteDelay), [this, later] { remove(later); }));
    return reply;
  }
  std::vector<std::unique_ptr<Monologue>> kept;
  for (std::size_t i = 0; i + 1 < call.parties.size(); i += 2) {
    if (selects(*call.parties[i]) || selects(*call.parties[i + 1])) {
      destroyParty(*call.parties[i]);
      destroyParty(*call.parties[i + 1]);
    } else {
      kept.push_back(std::move(call.parties[i]));
      kept.push_back(std::move(call.parties[i + 1]));
    }
  }
  call.parties = std::move(kept);
  if (call.parties.empty()) {
    ++counters_.regularTerminated;
    calls_.erase(it);
    sessionsChanged();
  }
  return reply;
}

ng::Value RelayEngine::query(const ng::NgRequest& request) const {
  auto it = calls_.find(request.callId);
  if (it == calls_.end()) return errorReply("Unknown call-id");
  ng::Value reply = okReply(request);
  CallReport(*it->second,
             std::chrono::system_clock::now().time_since_epoch() - loop_.now().time_since_epoch())
      .fill(reply);
  return reply;
}

ng::Value RelayEngine::list(const ng::NgRequest& request) const {
  ng::Value reply = okReply(request);
  ng::Value& calls = reply.set("calls", ng::Value::list());
  for (const auto& [callId, call] : calls_) {
    if (static_cast<std::int64_t>(calls.size()) >= request.limit) break;
    calls.push(callId);
  }
  return reply;
}

ng::Value RelayEngine::statistics() const {
  ng::Value reply = ng::Value::dict();
  reply.set("result", "ok");
  ng::Value& stats = reply.set("statistics", ng::Value::dict());
  stats.set("currentstatistics", ng::Value::dict());
  stats.set("totalstatistics", ng::Value::dict());
  // Looked up only now: adding the second section may have moved the first.
  ng::Value& current = *stats.find("currentstatistics");
  ng::Value& total = *stats.find("totalstatistics");
  auto integer = [](std::uint64_t n) { return ng::Value::integer(static_cast<std::int64_t>(n)); };
  const ng::RelayTotals totals = this->totals();
  for (const auto& statistic : ng::kRelayStatistics) {
    stats.find(statistic.section)->set(statistic.key, integer(totals.*statistic.field));
  }
  // rtpengine's keys that are not counters the gateway exports.
  current.set("sessionsown", integer(calls_.size()));
  current.set("sessionsforeign", integer(0));
  current.set("sessionstotal", integer(calls_.size()));
  current.set("transcodedmedia", integer(0));
  total.set("uptime",
            integer(static_cast<std::uint64_t>(
                std::chrono::duration_cast<std::chrono::seconds>(loop_.now() - started_).count())));
  total.set("regularterminatedsessions", integer(counters_.regularTerminated.value()));
  total.set("portsinuse", integer(pool_.inUse()));
  return reply;
}

ng::RelayTotals RelayEngine::totals() const {
  ng::RelayTotals t;
  t.sessions = counters_.liveSessions.load(std::memory_order_relaxed);
  t.managedSessions = counters_.managedSessions.value();
  t.rejectedSessions = counters_.rejectedSessions.value();
  t.timeoutSessions = counters_.timeoutSessions.value();
  t.packets = relay_.relayedPackets();
  t.bytes = relay_.relayedBytes();
  t.sendErrors = relay_.relayedErrors();
  t.droppedPackets = relay_.droppedPackets();
  t.lostPackets = counters_.lostPackets.value();
  t.iceConsentFailures = counters_.iceConsentFailures.value();
  t.dtlsFailures = counters_.dtlsFailures.value();
  return t;
}

}  // namespace rtcgate::media
