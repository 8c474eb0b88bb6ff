#include "media/relay/RelayEngine.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/LogContext.hpp"
#include "media/packet/TelephoneEvent.hpp"
#include "media/playback/AnnouncementEncoder.hpp"
#include "media/playback/MediaFilePath.hpp"
#include "media/recording/RecordingPath.hpp"
#include "media/relay/CallReport.hpp"
#include "media/relay/DtmfLogSender.hpp"
#include "media/relay/HeapTrimmer.hpp"
#include "media/relay/ListenUrl.hpp"
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

// An address to bind media sockets to; empty = the first ng listener's, else the loopback.
PeerAddress bindAddressOf(const RelayOptions& options, const std::string& configured) {
  std::string bind = configured;
  if (bind.empty() && !options.listen.empty()) {
    if (auto listen = parseListenUrl(options.listen.front())) bind = listen->host();
  }
  auto address = SocketAddress::parse(bind.empty() ? "127.0.0.1" : bind, 0);
  return PeerAddress::from(address.value_or(*SocketAddress::parse("127.0.0.1", 0)));
}

LocalInterface localInterfaceOf(const RelayOptions& options, const RelayOptions::Interface& spec) {
  LocalInterface local{spec.name, bindAddressOf(options, spec.bind), spec.advertise};
  if (local.advertise.empty()) local.advertise = local.bindAddress.toSocketAddress().host();
  return local;
}

// media.interfaces, or the one interface "default" of media.bind / media.advertise.
std::vector<LocalInterface> localInterfacesOf(const RelayOptions& options) {
  std::vector<LocalInterface> interfaces;
  for (const RelayOptions::Interface& spec : options.interfaces) {
    interfaces.push_back(localInterfaceOf(options, spec));
  }
  if (interfaces.empty()) {
    interfaces.push_back(
        localInterfaceOf(options, {"default", options.bindAddress, options.advertise}));
  }
  return interfaces;
}

ng::Value notFoundReply(const ng::NgRequest& request) {
  constexpr const char* kReason = "Call-ID not found or tags didn't match";
  if (request.fatal) return errorReply(kReason);
  ng::Value reply = okReply(request);
  reply.set("warning", kReason);
  return reply;
}

// rtpengine's limits for `play DTMF` (ms): shorter or longer values are brought into range.
constexpr std::int64_t kDtmfMinMs = 100;
constexpr std::int64_t kDtmfMaxMs = 5000;
constexpr std::int64_t kDtmfDefaultDurationMs = 250;
constexpr std::int64_t kDtmfDefaultPauseMs = 100;
constexpr std::int64_t kDtmfDefaultVolume = 8;  // -8 dBm0
// A party that has sent nothing for this long will not carry the digits soon.
constexpr Duration kDtmfCarrierSilence{1000};

// The events `play DTMF`'s code names, or the reason (rtpengine's texts) there are none.
Result<std::vector<std::uint8_t>> dtmfEventsOf(const ng::DtmfPlayKeys& keys) {
  if (keys.event) {
    if (*keys.event < 0 || *keys.event >= TelephoneEvent::kDtmfEvents) {
      return Error{"Out of range 'code' specified"};
    }
    return std::vector<std::uint8_t>{static_cast<std::uint8_t>(*keys.event)};
  }
  if (keys.code.empty()) return Error{"No valid 'code' specified"};
  std::vector<std::uint8_t> events;
  for (const char digit : keys.code) {
    const auto event = dtmfEventOf(digit);
    if (!event) return Error{"Invalid 'code' character"};
    events.push_back(*event);
  }
  return events;
}

std::uint32_t dtmfUnits(const std::optional<std::int64_t>& ms, std::int64_t fallback,
                        std::uint32_t clockRate) {
  const std::int64_t clamped = std::clamp(ms.value_or(fallback), kDtmfMinMs, kDtmfMaxMs);
  return static_cast<std::uint32_t>(clamped * clockRate / 1000);
}

// The party's first audio line that reaches its peer: where injected DTMF and media go.
CallMedia* sendingAudioLine(Monologue& party) {
  for (CallMedia& media : party.medias) {
    if (media.type == "audio" && !media.rejected && media.rtp && media.rtp->rtpTarget) {
      return &media;
    }
  }
  return nullptr;
}

// The partner's side of `line` (same m= index): what the recipient of the party's audio said.
const CallMedia* partnerLine(const Monologue& party, const CallMedia& line) {
  if (party.partner == nullptr) return nullptr;
  for (const CallMedia& media : party.partner->medias) {
    if (media.index == line.index) return &media;
  }
  return nullptr;
}

// `play media`: ms per frame, and a bound on repeat-times (a client's typo must not play all day).
constexpr std::int64_t kPlayFrameMs = 20;
constexpr std::int64_t kMaxPlayRepeats = 1000;

// The announcement in the first codec the recipient lists (its preference; a sender picks from
// the recipient's list, RFC 3264) that the party also lists and we can encode, with the
// recipient's payload type for it.
Result<std::shared_ptr<const EncodedAudio>> encodeToward(const WavAudio& wav,
                                                         const CallMedia& sender,
                                                         const CallMedia* recipient) {
  const auto& candidates =
      recipient != nullptr && !recipient->formats.empty() ? recipient->formats : sender.formats;
  for (const sdp::AudioFormat& format : candidates) {
    if (!format.isAudioCodec() || format.payloadType < 0) continue;
    const bool shared =
        sender.formats.empty() ||
        std::any_of(sender.formats.begin(), sender.formats.end(),
                    [&](const sdp::AudioFormat& mine) { return mine.sameCodec(format); });
    if (!shared) continue;
    auto audio = encodeAnnouncement(
        wav, {format.encoding, format.clockRate, static_cast<std::uint8_t>(format.payloadType)});
    if (audio) return audio;
  }
  return Error{"No audio codec to encode the file with"};
}

// The audio line of a party whose packets a recording taps: its first audio line with a port.
CallMedia* recordedLine(Monologue& party) {
  for (CallMedia& media : party.medias) {
    if (media.type == "audio" && !media.rejected && media.rtp) return &media;
  }
  return nullptr;
}

// The payload types `sender` may send with: its own SDP's first, then those only its partner's
// SDP maps (RFC 3264: a sender uses the receiver's numbers; most SDPs use the same ones).
std::vector<sdp::AudioFormat> sentFormats(Monologue& sender) {
  std::vector<sdp::AudioFormat> formats;
  for (Monologue* party : {&sender, sender.partner}) {
    const CallMedia* line = party != nullptr ? recordedLine(*party) : nullptr;
    if (line == nullptr) continue;
    for (const sdp::AudioFormat& format : line->formats) {
      const bool known = std::any_of(formats.begin(), formats.end(), [&](const auto& each) {
        return each.payloadType == format.payloadType;
      });
      if (!known) formats.push_back(format);
    }
  }
  return formats;
}

std::uint32_t ipv4Of(const PeerAddress& address) {
  if (!address.valid() || address.storage.sin6_family != AF_INET) return 0;
  return reinterpret_cast<const sockaddr_in&>(address.storage).sin_addr.s_addr;
}

// A pcap recording's addresses for what `party` sends on `line`: from its latched (or expected)
// address to the relay's port it sends to.
PcapWriter::Flow flowOf(const Monologue& party, const CallMedia* line) {
  PcapWriter::Flow flow;
  if (line == nullptr) return flow;
  const PeerAddress& peer = line->rtp->latch().peer();
  flow.sourceAddress = ipv4Of(peer);
  flow.sourcePort = peer.valid() ? peer.port() : 0;
  if (party.localInterface != nullptr) {
    flow.destinationAddress = ipv4Of(party.localInterface->bindAddress);
  }
  flow.destinationPort = line->rtp->localPort();
  return flow;
}

}  // namespace

RelayEngine::RelayEngine(EventLoop& loop, const RelayOptions& options)
    : loop_(loop),
      options_(options),
      relay_(loop),
      ports_(relay_, options.portMin, options.portMax),
      negotiator_(ports_, loop,
                  {localInterfacesOf(options), options.learningDelay, makeDtlsIdentity(options)}),
      started_(loop.now()) {
  relay_.observeDtmf(this);
  if (!options.dtmfLogDest.empty()) {
    auto sender = DtmfLogSender::open(options.dtmfLogDest);
    if (sender) {
      dtmfLog_ = std::move(*sender);
    } else {
      spdlog::error("relay.dtmf_log_dest {}: {}; DTMF is not logged", options.dtmfLogDest,
                    sender.error());
    }
  }
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
  expireDigits();
}

void RelayEngine::onDigit(MediaStream& stream, const DtmfDetector::Digit& digit,
                          const PeerAddress& source) {
  if (!dtmfLog_ && !options_.dtmfListener) return;
  // Digits are rare: finding the stream's party by walking the calls costs nothing per packet.
  for (const auto& [callId, call] : calls_) {
    for (const auto& party : call->parties) {
      for (const CallMedia& media : party->medias) {
        if (media.rtp.get() == &stream) return reportDigit(*call, *party, media, digit, source);
      }
    }
  }
}

void RelayEngine::expireDigits() {
  const auto now = loop_.now();
  for (const auto& [callId, call] : calls_) {
    for (const auto& party : call->parties) {
      for (const CallMedia& media : party->medias) {
        if (!media.rtp || !media.rtp->dtmfDetector.active()) continue;
        if (auto digit = media.rtp->dtmfDetector.expire(now)) {
          reportDigit(*call, *party, media, *digit, media.rtp->latch().peer());
        }
      }
    }
  }
}

void RelayEngine::reportDigit(const Call& call, const Monologue& party, const CallMedia& media,
                              const DtmfDetector::Digit& digit, const PeerAddress& source) {
  if (!dtmfLog_ && !options_.dtmfListener) return;
  DtmfEvent event;
  event.callId = call.callId;
  event.fromTag = party.tag;
  for (const auto& each : call.parties) {
    // A forked offer's party is in several pairs: each tag once.
    if (!each->tag.empty() &&
        std::find(event.tags.begin(), event.tags.end(), each->tag) == event.tags.end()) {
      event.tags.push_back(each->tag);
    }
  }
  event.label = party.label;
  event.mediaIndex = media.index;
  event.digit = digit.digit;
  event.event = dtmfEventOf(digit.digit).value_or(0);
  event.durationMs = digit.durationMs;
  event.volume = digit.volume;
  if (source.valid()) event.source = source.toSocketAddress();
  event.time = std::chrono::system_clock::now();
  spdlog::debug("call {} party '{}': DTMF '{}' {} ms", call.callId, party.tag, digit.digit,
                digit.durationMs);
  if (dtmfLog_) dtmfLog_->onDtmf(event);
  if (options_.dtmfListener) options_.dtmfListener->onDtmf(event);
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
    case ng::Command::PlayDtmf:
      return playDtmf(request);
    case ng::Command::StartRecording:
      return startRecording(request);
    case ng::Command::StopRecording:
      return stopRecording(request);
    case ng::Command::PlayMedia:
      return playMedia(request);
    case ng::Command::StopMedia:
      return stopMedia(request);
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

ng::Value RelayEngine::unknownInterfaceReply(const ng::NgRequest& request) const {
  const auto unknown = negotiator_.unknownInterface(request);
  if (!unknown) return ng::Value();
  return errorReply(("Unknown media interface '" + *unknown + "'").c_str());
}

ng::Value RelayEngine::offer(const ng::NgRequest& request) {
  // Each stream costs ports and sockets: an offer over the cap is refused before any is taken.
  if (sdp::SessionDescription::countMediaSections(request.sdp) > options_.maxStreamsPerOffer) {
    if (!calls_.contains(request.callId)) ++counters_.rejectedSessions;
    return errorReply("Too many media streams");
  }
  if (ng::Value refused = unknownInterfaceReply(request); refused.isDict()) {
    if (!calls_.contains(request.callId)) ++counters_.rejectedSessions;
    return refused;
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
  auto sdp = negotiator_.negotiate(*offerer, *offerer->partner, request, true);
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
  recordIfAsked(call, request, reply);
  return reply;
}

ng::Value RelayEngine::answer(const ng::NgRequest& request) {
  auto it = calls_.find(request.callId);
  if (it == calls_.end()) return errorReply("Unknown call-id");
  if (ng::Value refused = unknownInterfaceReply(request); refused.isDict()) return refused;
  Call& call = *it->second;
  Monologue* offerer = findAnswered(call, request);
  if (offerer == nullptr) return errorReply("Given from-tag not found");
  call.lastSignal = loop_.now();
  Monologue& answerer = *offerer->partner;
  answerer.tag = request.toTag;
  auto sdp = negotiator_.negotiate(answerer, *offerer, request, false);
  if (!sdp) return errorReply(sdp.error());
  sessionsChanged();  // the answer may have started or ended transcoding
  ng::Value reply = okReply(request);
  reply.set("sdp", std::move(*sdp));
  recordIfAsked(call, request, reply);
  return reply;
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
    if (media.rtp) relay_.stopPlaying(*media.rtp);  // `delete` ends an announcement
    // A bundle's other lines hold no port of their own: release() skips them.
    for (MediaStream* stream : {media.rtp.get(), media.rtcp.get()}) {
      if (stream != nullptr) ports_.release(*stream, 0);
    }
  }
  party.medias.clear();
}

void RelayEngine::destroyCall(const std::string& callId) {
  auto it = calls_.find(callId);
  if (it == calls_.end()) return;
  (void)stopRecording(*it->second);  // a full queue is logged there
  for (auto& party : it->second->parties) destroyParty(*party);
  calls_.erase(it);
  HeapTrimmer::noteRelease();
  sessionsChanged();
}

ng::Value RelayEngine::remove(const ng::NgRequest& request) {
  auto it = calls_.find(request.callId);
  if (it == calls_.end()) return notFoundReply(request);
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
  if (!matches && !request.fromTag.empty()) return notFoundReply(request);
  ng::Value reply = okReply(request);
  if (!request.fast) report(call, reply);
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
      stopRecordingOf(call, *call.parties[i]);
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
  report(*it->second, reply);
  if (const auto& recording = it->second->recording) {
    ng::Value& info = reply.set("recording", ng::Value::dict());
    info.set("call recording", recording->path);
    info.set("dropped", ng::Value::integer(static_cast<std::int64_t>(recording->dropped())));
  }
  return reply;
}

void RelayEngine::report(const Call& call, ng::Value& reply) const {
  // The loop's steady clock to wall time, for the report's timestamps.
  const auto wallOffset =
      std::chrono::system_clock::now().time_since_epoch() - loop_.now().time_since_epoch();
  CallReport(call, wallOffset).fill(reply);
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
  total.set("uptime",
            integer(static_cast<std::uint64_t>(
                std::chrono::duration_cast<std::chrono::seconds>(loop_.now() - started_).count())));
  total.set("regularterminatedsessions", integer(counters_.regularTerminated.value()));
  total.set("portsinuse", integer(ports_.pool().inUse()));
  return reply;
}

ng::Value RelayEngine::playDtmf(const ng::NgRequest& request) {
  const auto found = requestedParty(request);
  if (!found) return errorReply(found.error());
  Monologue* party = *found;
  const auto events = dtmfEventsOf(request.dtmf);
  if (!events) return errorReply(events.error());
  // The peer's telephone-event type at the audio's clock rate (events and audio share the SSRC's
  // timestamps, RFC 4733 §2.1).
  const CallMedia* line = sendingAudioLine(*party);
  if (line == nullptr) return errorReply("Monologue has no media capable of DTMF injection");
  MediaStream& in = *line->rtp;
  // The audio's clock: the party's first codec, unless the recipient listed none at that rate
  // (its answer chose another: a browser offering Opus first that a phone answered with PCMU
  // sends PCMU), then the recipient's first.
  std::uint32_t clockRate = in.clockRate;
  auto payloadType = in.rtpTarget->telephoneEvents.forClockRate(clockRate);
  if (!payloadType) {
    clockRate = in.rtpTarget->clockRate;
    payloadType = in.rtpTarget->telephoneEvents.forClockRate(clockRate);
  }
  if (!payloadType) {
    return errorReply("The recipient did not negotiate telephone-event at the audio's clock rate");
  }
  DtmfPlayer::Digit digit;
  digit.payloadType = *payloadType;
  digit.duration = dtmfUnits(request.dtmf.duration, kDtmfDefaultDurationMs, clockRate);
  digit.pause = dtmfUnits(request.dtmf.pause, kDtmfDefaultPauseMs, clockRate);
  digit.frame = clockRate / 50;
  const std::int64_t volume = request.dtmf.volume.value_or(kDtmfDefaultVolume);
  digit.volume = static_cast<std::uint8_t>(
      std::min<std::int64_t>(volume < 0 ? -volume : volume, TelephoneEvent::kMaxVolume));
  if (in.dtmfPlayer.queued() + events->size() > DtmfPlayer::kMaxDigits) {
    return errorReply("Too many DTMF digits queued");
  }
  for (const std::uint8_t event : *events) {
    digit.event = event;
    (void)in.dtmfPlayer.enqueue(digit);  // room checked above
  }
  ng::Value reply = okReply(request);
  // The digits ride on the party's own packets (DtmfPlayer): say so when none are coming.
  const auto last = in.stats().lastPacket();
  if (last == Clock::time_point{} || loop_.now() - last > kDtmfCarrierSilence) {
    reply.set("warning", "No media from the party at the moment: the DTMF plays when it sends");
  }
  return reply;
}

Result<Monologue*> RelayEngine::requestedParty(const ng::NgRequest& request) {
  auto it = calls_.find(request.callId);
  if (it == calls_.end()) return Error{"Unknown call-id"};
  Monologue* party = nullptr;
  for (auto& each : it->second->parties) {
    const bool named = request.fromTag.empty()
                           ? !request.label.empty() && each->label == request.label
                           : each->tag == request.fromTag;
    if (named) party = each.get();
    if (named && !each->medias.empty()) break;  // a forked offerer: the branch with media
  }
  if (party == nullptr) return Error{"Unknown monologue tag"};
  return party;
}

ng::Value RelayEngine::playMedia(const ng::NgRequest& request) {
  const auto found = requestedParty(request);
  if (!found) return errorReply(found.error());
  Monologue* party = *found;
  CallMedia* line = sendingAudioLine(*party);
  if (line == nullptr) return errorReply("Monologue has no audio to play media into");
  const auto path = mediaFilePath(options_.mediaDir, request.media.file);
  if (!path) return errorReply(path.error());
  // Read and encoded here, before anything plays: the timer then only copies payloads.
  const auto wav = readWav(*path);
  if (!wav) return errorReply(wav.error());
  const auto audio = encodeToward(*wav, *line, partnerLine(*party, *line));
  if (!audio) return errorReply(audio.error());
  const std::int64_t repeat =
      std::clamp<std::int64_t>(request.media.repeatTimes.value_or(1), 1, kMaxPlayRepeats);
  relay_.play(*line->rtp, *audio, static_cast<unsigned>(repeat));
  ng::Value reply = okReply(request);
  reply.set("duration", ng::Value::integer(static_cast<std::int64_t>((*audio)->frames()) *
                                           kPlayFrameMs * repeat));
  return reply;
}

ng::Value RelayEngine::stopMedia(const ng::NgRequest& request) {
  const auto found = requestedParty(request);
  if (!found) return errorReply(found.error());
  Monologue* party = *found;
  CallMedia* line = sendingAudioLine(*party);
  if (line == nullptr || !line->rtp->mediaPlayer.playing()) return errorReply("Not playing media");
  const std::uint64_t sent = line->rtp->mediaPlayer.sentFrames();
  relay_.stopPlaying(*line->rtp);
  ng::Value reply = okReply(request);
  reply.set("last-frame-pos", ng::Value::integer(static_cast<std::int64_t>(sent) * kPlayFrameMs));
  return reply;
}

std::int64_t RelayEngine::nowMicros() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(loop_.now().time_since_epoch())
      .count();
}

ng::Value RelayEngine::startRecording(const ng::NgRequest& request) {
  auto it = calls_.find(request.callId);
  if (it == calls_.end()) return errorReply("Unknown call-id");
  auto path = startRecording(*it->second, request);
  if (!path) return errorReply(path.error().reason.c_str());
  ng::Value reply = okReply(request);
  reply.set("recording-file", *path);
  return reply;
}

Result<std::string, RecordingError> RelayEngine::startRecording(Call& call,
                                                                const ng::NgRequest& request) {
  if (call.recording) return RecordingError{"Call is already being recorded"};
  const ng::RecordingKeys& keys = request.recording;
  const bool pcap = keys.format == "pcap";
  if (!keys.format.empty() && keys.format != "wav" && !pcap) {
    return RecordingError{"Unknown recording-format '" + keys.format + "' (wav, pcap)"};
  }
  if (!keys.mix.empty() && keys.mix != "stereo" && keys.mix != "mono") {
    return RecordingError{"Unknown recording-mix '" + keys.mix + "' (stereo, mono)"};
  }
  // The from-tag party (no from-tag: the first offerer), in its answered dialogue if forked.
  Monologue* caller = nullptr;
  for (std::size_t i = 0; i < call.parties.size(); ++i) {
    Monologue* party = call.parties[i].get();
    const bool named = request.fromTag.empty() ? i % 2 == 0 : party->tag == request.fromTag;
    if (named &&
        (caller == nullptr || (caller->partner->tag.empty() && !party->partner->tag.empty()))) {
      caller = party;
    }
  }
  if (caller == nullptr) return RecordingError{"Given from-tag not found"};
  const std::array<CallMedia*, 2> lines{recordedLine(*caller), recordedLine(*caller->partner)};
  if (lines[0] == nullptr && lines[1] == nullptr)
    return RecordingError{"Call has no audio to record"};
  const WallClock::time_point now = WallClock::now();
  auto path = recordingPath(
      {options_.recordDir, keys.dir, keys.file, call.callId, pcap ? ".pcap" : ".wav", now});
  if (!path) return path.error();
  CallRecording::Spec spec;
  spec.path = *path;
  spec.pcap = pcap;
  spec.mono = keys.mix == "mono";
  spec.flows = {flowOf(*caller, lines[0]), flowOf(*caller->partner, lines[1])};
  spec.callId = call.callId;
  spec.fromTag = caller->tag;
  spec.toTag = caller->partner->tag;
  spec.formats = {sentFormats(*caller), sentFormats(*caller->partner)};
  spec.startMicros = nowMicros();
  spec.startWall = now;
  auto recording = CallRecording::open(std::move(spec));
  if (!recording) {
    return RecordingError{"Cannot create recording file " + *path + ": " +
                          recording.error().reason};
  }
  if (!recordingWriter_) recordingWriter_ = std::make_unique<RecordingWriter>();
  auto session = std::make_unique<RecordingSession>();
  session->recording = recording->get();
  session->path = *path;
  session->caller = caller;
  session->callee = caller->partner;
  if (!recordingWriter_->start(*recording, nowMicros())) {
    recording->reset();
    std::error_code ignored;
    std::filesystem::remove(*path, ignored);
    return RecordingError{"Recording queue busy"};
  }
  for (std::uint8_t channel = 0; channel < 2; ++channel) {
    if (lines[channel] == nullptr) continue;
    auto tap = std::make_unique<RecordingTap>(recordingWriter_->queue(), *session->recording,
                                              channel, counters_.recordingDropped);
    lines[channel]->rtp->rtpTap = tap.get();
    session->taps.push_back(std::move(tap));
  }
  call.recording = std::move(session);
  spdlog::info("call {}: recording to {}", call.callId, *path);
  return *path;
}

void RelayEngine::recordIfAsked(Call& call, const ng::NgRequest& request, ng::Value& reply) {
  if (!request.recordCall || call.recording) return;
  // The call goes on unrecorded: the offer or answer itself succeeded.
  if (auto path = startRecording(call, request); !path) {
    spdlog::warn("call {}: record call: {}", call.callId, path.error().reason);
    reply.set("warning", "Call not recorded: " + path.error().reason);
  }
}

ng::Value RelayEngine::stopRecording(const ng::NgRequest& request) {
  auto it = calls_.find(request.callId);
  if (it == calls_.end()) return errorReply("Unknown call-id");
  Call& call = *it->second;
  if (!call.recording) return errorReply("Call is not being recorded");
  const std::string path = call.recording->path;
  const std::uint64_t dropped = call.recording->dropped();
  stopRecording(call);
  ng::Value reply = okReply(request);
  reply.set("recording-file", path);
  reply.set("recording-dropped", ng::Value::integer(static_cast<std::int64_t>(dropped)));
  return reply;
}

bool RelayEngine::stopRecording(Call& call) {
  if (!call.recording) return true;
  RecordingSession& session = *call.recording;
  // Untapped first: no packet of this recording is queued after its stop.
  for (const auto& party : call.parties) {
    for (CallMedia& media : party->medias) {
      if (!media.rtp || media.rtp->rtpTap == nullptr) continue;
      for (const auto& tap : session.taps) {
        if (media.rtp->rtpTap == tap.get()) media.rtp->rtpTap = nullptr;
      }
    }
  }
  const bool queued = recordingWriter_->stop(session.recording, nowMicros(), session.dropped(),
                                             session.callee->tag);
  if (!queued) {
    spdlog::error("call {}: recording queue full; {} is closed when the relay stops", call.callId,
                  session.path);
  } else {
    spdlog::info("call {}: recording {} stopped", call.callId, session.path);
  }
  call.recording.reset();
  return queued;
}

void RelayEngine::stopRecordingOf(Call& call, const Monologue& party) {
  if (call.recording && (call.recording->caller == &party || call.recording->callee == &party)) {
    (void)stopRecording(call);  // a full queue is logged there; nothing else to do here
  }
}

void RelayEngine::sessionsChanged() {
  counters_.liveSessions.store(calls_.size(), std::memory_order_relaxed);
  const auto transcoded = std::count_if(calls_.begin(), calls_.end(), [](const auto& entry) {
    return CallReport::transcoded(*entry.second);
  });
  counters_.transcodedSessions.store(static_cast<std::uint64_t>(transcoded),
                                     std::memory_order_relaxed);
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
  t.transcodedSessions = counters_.transcodedSessions.load(std::memory_order_relaxed);
  t.transcodedPackets = relay_.transcodedPackets();
  t.lostPackets = counters_.lostPackets.value();
  t.iceConsentFailures = counters_.iceConsentFailures.value();
  t.dtlsFailures = counters_.dtlsFailures.value();
  t.recordingDropped = counters_.recordingDropped.value();
  return t;
}

}  // namespace rtcgate::media
