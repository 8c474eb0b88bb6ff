#include "proxy/CallManager.hpp"

#include <spdlog/spdlog.h>

#include "ng/NgCallStats.hpp"
#include "proxy/MessageParts.hpp"
#include "sip/NameAddr.hpp"

namespace rtcgate::proxy {

using sip::HeaderId;
using sip::Method;
using sip::SipMessage;

namespace {

// Every SDP a side sends updates what is known of its formats (offer, answer, re-INVITE, UPDATE).
void noteFormats(DialogSide& side, const SipMessage& message) {
  if (carriesSdp(message)) side.formats = sdp::AudioFormats::parse(message.body());
}

}  // namespace

CallManager::CallManager(CallManagerOptions options, Delegate& delegate, Timers& timers,
                         const LocalIdentity& identity, transaction::TransactionLayer& transactions)
    : options_(std::move(options)),
      delegate_(delegate),
      timers_(timers),
      identity_(identity),
      transactions_(transactions),
      mediaPolicy_(options_.media) {}

CallManager::~CallManager() {
  if (sweepTimer_) timers_.cancel(sweepTimer_);
}

void CallManager::setMediaControl(mediacontrol::MediaControl* control) {
  media_ = control ? std::make_unique<MediaAnchor>(*control) : nullptr;
  if (sweepTimer_ == 0 && options_.sweepInterval.count() > 0) sweep();
}

void CallManager::callEvent(CallEvent event, const Dialog& dialog) {
  for (auto* observer : observers_) observer->onCallEvent(event, dialog);
}

void CallManager::dtmfEvent(const Dialog& dialog, const DtmfDigit& digit) {
  for (auto* observer : observers_) observer->onDtmf(dialog, digit);
}

void CallManager::recordingEvent(const Dialog& dialog, const RecordingChange& change) {
  for (auto* observer : observers_) observer->onRecording(dialog, change);
}

void CallManager::transferEvent(const Dialog& dialog, const TransferUpdate& update) {
  for (auto* observer : observers_) observer->onTransfer(dialog, update);
}

// ------------------------------------------------------------------ requests

void CallManager::planMedia(ProxyTransaction& pt) {
  const auto& request = pt.request;
  if (!media_ || (request.method() != Method::Invite && request.method() != Method::Update)) return;
  if (request.toTag().empty()) {
    pt.sourceLeg = mediaPolicy_.legOf(pt.source.transport, request.body());
  } else {
    const Dialog* dialog = dialogOf(request);
    if (dialog == nullptr || !dialog->anchored) return;
    pt.sourceLeg = dialog->sideOf(request.fromTag()).leg;
    pt.sourceInterface = dialog->sideOf(request.fromTag()).mediaInterface;
  }
  if (carriesSdp(request)) {
    pt.mediaRole = ProxyTransaction::MediaRole::Offer;
  } else if (request.method() == Method::Invite) {
    pt.mediaRole = ProxyTransaction::MediaRole::LateOffer;
  }
}

bool CallManager::anchorsBranch(const ProxyTransaction& pt, sip::Transport transport,
                                std::optional<MediaLeg> configured, MediaLeg& leg) {
  if (pt.mediaRole == ProxyTransaction::MediaRole::None) return false;
  if (!pt.request.toTag().empty()) {
    Dialog* dialog = dialogOf(pt.request);
    if (dialog == nullptr) return false;
    leg = dialog->otherSide(pt.request.fromTag()).leg;
    return dialog->anchored;
  }
  leg = mediaPolicy_.legToward(transport, configured);
  return mediaPolicy_.anchors(pt.sourceLeg, leg);
}

std::string CallManager::branchInterface(const ProxyTransaction& pt, std::string routeInterface) {
  if (pt.request.toTag().empty()) return routeInterface;
  const Dialog* dialog = dialogOf(pt.request);
  return dialog != nullptr ? dialog->otherSide(pt.request.fromTag()).mediaInterface : std::string();
}

void CallManager::trackRequest(ProxyTransaction& pt) {
  const auto& request = pt.request;
  if (isInitialInvite(request)) {
    // A spiral or a second INVITE: one record per call.
    if (dialogOf(request) == nullptr) openDialog(pt);
    return;
  }
  Dialog* dialog = dialogOf(request);
  if (dialog == nullptr && request.method() == Method::Bye && !request.toTag().empty()) {
    releaseUnknownCallMedia(request);
    return;
  }
  if (dialog == nullptr || request.toTag().empty()) return;
  DialogSide& side = dialog->sideOf(request.fromTag());
  side.cseq = std::max(side.cseq, request.cseq());
  if (request.method() == Method::Invite || request.method() == Method::Update) {
    noteFormats(side, request);
  }
  if (request.method() == Method::Bye) {
    const bool byCaller = request.fromTag() == dialog->caller.tag;
    spdlog::info("call {}: BYE from the {}", dialog->callId, byCaller ? "caller" : "callee");
    endDialog(*dialog, byCaller ? "caller-bye" : "callee-bye", 200);
  } else if ((request.method() == Method::Invite || request.method() == Method::Update) &&
             carriesSdp(request)) {
    const bool hold = offersHold(request.body());
    const bool changed = hold != dialog->onHold;
    dialog->onHold = hold;
    if (changed) {
      spdlog::info("call {}: {} by the {}", dialog->callId, hold ? "held" : "resumed",
                   request.fromTag() == dialog->caller.tag ? "caller" : "callee");
      callEvent(hold ? CallEvent::Held : CallEvent::Resumed, *dialog);
    }
  }
}

void CallManager::openDialog(ProxyTransaction& pt) {
  const auto& request = pt.request;
  Dialog& dialog = dialogs_.create(std::string(request.callId()));
  dialog.caller.tag = std::string(request.fromTag());
  dialog.caller.uri = uriOf(request.find(HeaderId::From));
  dialog.caller.nameAddr = std::string(request.find(HeaderId::From)->value);
  dialog.callee.uri = uriOf(request.find(HeaderId::To));
  dialog.caller.contact = contactUri(request);
  dialogs_.setFlow(dialog.caller, pt.source);
  dialog.caller.cseq = request.cseq();
  dialog.caller.leg = mediaPolicy_.legOf(pt.source.transport, request.body());
  dialog.caller.mediaInterface = pt.sourceInterface;
  dialog.caller.dtmf = options_.dtmf;
  noteFormats(dialog.caller, request);
  if (pt.fromStranger) dialogs_.countAsStranger(dialog);
  spdlog::info("call {}: {} -> {} from {} {}", dialog.callId, dialog.caller.uri, dialog.callee.uri,
               sip::viaTransportName(pt.source.transport), pt.source.remote.toString());
  callEvent(CallEvent::Incoming, dialog);
}

// The SDP of the request or of a response to it, keyed for the relay by the call and, for a
// forked initial INVITE, by the branch.
SdpExchange CallManager::exchangeFor(const ProxyTransaction& pt, std::size_t branch) const {
  SdpExchange exchange;
  exchange.callId = std::string(pt.request.callId());
  if (pt.request.toTag().empty()) exchange.viaBranch = pt.branches[branch].viaBranch;
  return exchange;
}

// The offer goes to the relay first; the branch leaves with the relay's SDP.
HookResult CallManager::beforeBranch(ProxyTransaction& pt, std::size_t index, Resume resume) {
  const auto& branch = pt.branches[index];
  if (!branch.anchored || pt.mediaRole != ProxyTransaction::MediaRole::Offer) {
    return HookResult::Continue;
  }
  SdpExchange exchange = exchangeFor(pt, index);
  exchange.fromTag = std::string(pt.request.fromTag());
  exchange.toTag = std::string(pt.request.toTag());
  exchange.sdp = std::string(pt.request.body());
  exchange.settings =
      mediaPolicy_.settings(branch.leg, pt.sourceLeg, branch.mediaInterface, pt.sourceInterface);
  if (Dialog* dialog = dialogOf(pt.request)) {
    dialog->relayOffered = true;
    dialog->sideOf(exchange.fromTag).sdp = exchange.sdp;
  }
  media_->offer(exchange, std::move(resume));
  return HookResult::Hold;
}

// ------------------------------------------------------------------ responses

// The relay's part for a response with SDP on an anchored branch.
HookResult CallManager::beforeUpstream(ProxyTransaction& pt, std::size_t index,
                                       const SipMessage& response, Resume resume) {
  if (index == ProxyTransaction::kNoBranch || index >= pt.branches.size()) {
    return HookResult::Continue;
  }
  const auto& branch = pt.branches[index];
  const int status = response.statusCode();
  if (!branch.anchored || status < 101 || status >= 300 || !carriesSdp(response)) {
    return HookResult::Continue;
  }
  SdpExchange exchange = exchangeFor(pt, index);
  exchange.sdp = std::string(response.body());
  exchange.settings =
      mediaPolicy_.settings(pt.sourceLeg, branch.leg, pt.sourceInterface, branch.mediaInterface);
  Dialog* dialog = dialogOf(pt.request);
  // The responder's SDP: the side the request went to.
  if (dialog) dialog->otherSide(pt.request.fromTag()).sdp = exchange.sdp;
  if (pt.mediaRole == ProxyTransaction::MediaRole::Offer) {
    exchange.fromTag = std::string(pt.request.fromTag());
    exchange.toTag = std::string(response.toTag());
    media_->answer(exchange, std::move(resume));
    return HookResult::Hold;
  }
  if (pt.mediaRole != ProxyTransaction::MediaRole::LateOffer || status < 200) {
    return HookResult::Continue;
  }
  // Late offer: the callee's 2xx offers, the caller answers in the ACK.
  exchange.fromTag = std::string(response.toTag());
  exchange.toTag = std::string(pt.request.fromTag());
  if (dialog) dialog->lateOfferFrom = exchange.fromTag;
  media_->offer(exchange, std::move(resume));
  return HookResult::Hold;
}

void CallManager::trackResponse(ProxyTransaction& pt, std::size_t index,
                                const SipMessage& response) {
  const int status = response.statusCode();
  Dialog* dialog = dialogOf(pt.request);
  if (dialog != nullptr && status > 100 && status < 300 &&
      (pt.request.method() == Method::Invite || pt.request.method() == Method::Update)) {
    noteFormats(dialog->otherSide(pt.request.fromTag()), response);
  }
  if (!isInitialInvite(pt.request)) return;
  if (dialog == nullptr || dialog->state == Dialog::State::Confirmed) return;
  const auto& branch = pt.branches[index];
  std::optional<CallEvent> event;
  if (status >= 200 && status < 300) {
    dialog->state = Dialog::State::Confirmed;
    dialog->answered = timers_.wallNow();
    dialog->answeredAt = timers_.now();
    dialogs_.countAnswered();
    event = CallEvent::Answered;
  } else if (status > 100 && !response.toTag().empty()) {
    if (dialog->state != Dialog::State::Early) event = CallEvent::Ringing;
    dialog->state = Dialog::State::Early;
  } else {
    return;
  }
  dialog->anchored = branch.anchored;
  dialog->callee.tag = std::string(response.toTag());
  dialog->callee.nameAddr = std::string(response.find(HeaderId::To)->value);
  dialog->callee.contact = contactUri(response);
  dialogs_.setFlow(dialog->callee, branch.flow);
  dialog->callee.leg = branch.leg;
  dialog->callee.mediaInterface = branch.mediaInterface;
  dialog->callee.dtmf = branch.dtmf.value_or(options_.dtmf);
  dialog->callee.record = branch.record;
  if (!branch.anchored) dialog->callee.leg = mediaPolicy_.legOf(branch.flow.transport);
  learnRouteSets(*dialog, response);
  if (status >= 200) {
    spdlog::info("call {}: answered by {} ({}), media {}", dialog->callId, dialog->callee.contact,
                 sip::viaTransportName(branch.flow.transport),
                 dialog->anchored ? "through the relay" : "direct");
  }
  if (event) callEvent(*event, *dialog);
}

// Route sets from the Record-Route of the answer: the entries above ours lead to the callee
// (nearest first once reversed), those below ours to the caller.
void CallManager::learnRouteSets(Dialog& dialog, const SipMessage& response) const {
  std::vector<std::string> above, below;
  bool seenOurs = false;
  for (const auto& value : response.all(HeaderId::RecordRoute)) {
    const auto entry = sip::parseNameAddr(value);
    const bool ours = entry && identity_.isOurAddress(entry->uri);
    if (ours) {
      seenOurs = true;
      continue;
    }
    (seenOurs ? below : above).push_back("<" + std::string(entry ? entry->uriText : value) + ">");
  }
  dialog.callee.routes.assign(above.rbegin(), above.rend());
  dialog.caller.routes = std::move(below);
}

void CallManager::releaseBranchMedia(const ProxyTransaction& pt, std::size_t index) {
  if (!media_ || index >= pt.branches.size() || !pt.branches[index].anchored) return;
  if (!isInitialInvite(pt.request)) return;
  media_->remove(std::string(pt.request.callId()), std::string(pt.request.fromTag()),
                 pt.branches[index].viaBranch);
}

// ------------------------------------------------------------------ ACK

HookResult CallManager::beforeAck(SipMessage& ack, AckResume resume) {
  Dialog* dialog = dialogOf(ack);
  if (dialog != nullptr) noteFormats(dialog->sideOf(ack.fromTag()), ack);
  if (!media_ || dialog == nullptr || dialog->lateOfferFrom.empty() || !carriesSdp(ack)) {
    return HookResult::Continue;
  }
  SdpExchange exchange;
  exchange.callId = dialog->callId;
  exchange.fromTag = dialog->lateOfferFrom;
  exchange.toTag = std::string(ack.fromTag());
  exchange.sdp = std::string(ack.body());
  const DialogSide& toward = dialog->sideOf(exchange.fromTag);
  const DialogSide& from = dialog->sideOf(exchange.toTag);
  exchange.settings =
      mediaPolicy_.settings(toward.leg, from.leg, toward.mediaInterface, from.mediaInterface);
  dialog->lateOfferFrom.clear();
  dialog->sideOf(exchange.toTag).sdp = exchange.sdp;
  auto pending = std::make_shared<SipMessage>(std::move(ack));
  media_->answer(exchange, [pending, resume = std::move(resume)](MediaAnchor::SdpResult sdp) {
    if (sdp) pending->setBody(std::move(*sdp), "application/sdp");
    resume(std::move(*pending));
  });
  return HookResult::Hold;
}

// ------------------------------------------------------------------ ending calls

// A BYE of a call this process does not know was placed before a restart (dialogs live in
// memory; relays keep their calls). Its media session would otherwise stay on the relay until
// the media timeout; with several relays the pool asks each of them, since it did not place it.
void CallManager::releaseUnknownCallMedia(const SipMessage& bye) {
  if (!media_) return;
  spdlog::info(
      "call {}: BYE for a call not tracked here (placed before a restart?): releasing "
      "its media on the relay",
      bye.callId());
  media_->remove(std::string(bye.callId()), {}, {});
}

void CallManager::endDialog(Dialog& dialog, std::string reason, int code) {
  delegate_.callEnding(dialog);
  // Calls may have offered branches to the relay even when the answer came direct (forking to a
  // browser and a phone): the relay's call goes only with a delete of the whole call.
  const bool release = media_ && (dialog.anchored || dialog.relayOffered ||
                                  dialog.state != Dialog::State::Confirmed);
  spdlog::info("call {}: ended ({}, {})", dialog.callId, reason, code);
  auto record = std::make_shared<Dialog>(dialogs_.end(dialog, std::move(reason), code));
  callEvent(CallEvent::Ended, *record);
  if (!release) {
    for (auto* observer : observers_) observer->onCallRecord(*record, nullptr);
    return;
  }
  media_->remove(record->callId, {}, {}, [this, record](mediacontrol::MediaControl::Reply report) {
    const bool stats = report && report->stringAt("result") == "ok" && record->anchored;
    for (auto* observer : observers_) observer->onCallRecord(*record, stats ? &*report : nullptr);
  });
}

bool CallManager::hangup(std::uint64_t dialogId, const std::string& reason) {
  Dialog* dialog = dialogs_.findById(dialogId);
  if (dialog == nullptr) return false;
  if (dialog->state != Dialog::State::Confirmed) {
    // Not answered yet: cancel the INVITE; its 487 ends the call.
    if (delegate_.cancelUnanswered(*dialog, reason)) return true;
    if (dialog->originated) return false;
    endDialog(*dialog, reason, 487);
    return true;
  }
  dialog->endReason = reason;
  sendBye(*dialog, dialog->callee, dialog->caller);
  sendBye(*dialog, dialog->caller, dialog->callee);
  endDialog(*dialog, reason, 200);
  return true;
}

// RFC 3261 16.3 allows a proxy nothing of the sort; this is the B2BUA-like act every gateway
// performs on timeouts.
void CallManager::sendBye(Dialog& dialog, DialogSide& to, DialogSide& from) {
  if (to.contact.empty() || to.nameAddr.empty() || (!to.local && from.nameAddr.empty())) return;
  auto request = requestToward(dialog, to, from, "BYE");
  const auto via = identity_.via(to.flow, transactions_.newBranch());
  const std::string reason = "Reason: SIP;cause=200;text=\"" + dialog.endReason + "\"\r\n";
  request.via = via;
  request.extraHeaders = reason;
  auto bye = SipMessage::parse(request.write());
  if (!bye) {
    spdlog::warn("call {}: cannot build a BYE: {}", dialog.callId, bye.error());
    return;
  }
  if (auto sent = transactions_.sendRequest(std::move(*bye), sendingFlow(to.flow)); !sent) {
    spdlog::info("call {}: BYE to {} not sent: {}", dialog.callId, to.flow.remote.toString(),
                 sent.error());
  }
}

void CallManager::sweep() {
  sweepTimer_ = timers_.start(options_.sweepInterval, [this] {
    sweepTimer_ = 0;
    const auto now = timers_.now();
    std::vector<std::uint64_t> expired;
    dialogs_.forEach([&](Dialog& dialog) {
      if (dialog.state == Dialog::State::Confirmed && options_.dialogTimeout.count() > 0 &&
          now - dialog.answeredAt > options_.dialogTimeout) {
        expired.push_back(dialog.id);
      } else if (dialog.state == Dialog::State::Confirmed && dialog.anchored && media_ &&
                 options_.mediaTimeout.count() > 0) {
        checkMedia(dialog.id, dialog.callId);
      }
    });
    for (auto id : expired) hangup(id, "dialog-timeout");
    sweep();
  });
}

// The relay knows when media last flowed; a call whose media stopped (or whose relay session is
// gone) is ended on both sides.
void CallManager::checkMedia(std::uint64_t dialogId, const std::string& callId) {
  media_->query(callId, [this, dialogId](mediacontrol::MediaControl::Reply reply) {
    Dialog* dialog = dialogs_.findById(dialogId);
    if (!reply || dialog == nullptr || dialog->state != Dialog::State::Confirmed) return;
    if (reply->stringAt("result") != "ok") {
      spdlog::info("call {}: the relay no longer has its media ({})", dialog->callId,
                   reply->stringAt("error-reason"));
      hangup(dialogId, "media-timeout");
      return;
    }
    // Newest "last packet" (unix seconds) of any stream (rtcgate's or RTPEngine's reply).
    const auto last = ng::NgCallStats(*reply).newestPacket();
    const auto since = std::max(last, unixSeconds(dialog->answered));
    const auto now = unixSeconds(timers_.wallNow());
    if (now - since >
        std::chrono::duration_cast<std::chrono::seconds>(options_.mediaTimeout).count()) {
      hangup(dialogId, "media-timeout");
    }
  });
}

// ------------------------------------------------------------------ our own requests

UacRequest CallManager::requestToward(Dialog& dialog, DialogSide& to, DialogSide& from,
                                      std::string_view method) {
  UacRequest request{.method = method,
                     .uri = to.contact,
                     .routes = &to.routes,
                     .from = from.presentedAs.empty() ? from.nameAddr : from.presentedAs,
                     .to = to.nameAddr,
                     .callId = dialog.callId};
  if (to.local) {
    request.from = to.local->nameAddr;
    request.callId = to.local->callId;
    request.cseq = ++to.local->cseq;
  } else {
    request.cseq = from.cseq + ++from.cseqShift;
  }
  return request;
}

std::uint32_t CallManager::cseqShiftOf(const SipMessage& request) const {
  const Dialog* dialog = dialogs_.find(request.callId());
  if (dialog == nullptr || !dialog->hasTags(request.fromTag(), request.toTag())) return 0;
  return dialog->sideOf(request.fromTag()).cseqShift;
}

}  // namespace rtcgate::proxy
