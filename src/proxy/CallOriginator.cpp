#include "proxy/CallOriginator.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "proxy/MessageParts.hpp"
#include "proxy/TrunkCaller.hpp"
#include "proxy/UacRequest.hpp"
#include "sip/NameAddr.hpp"

namespace rtcgate::proxy {

using sip::HeaderId;
using sip::Method;
using sip::SipMessage;
using transaction::TransactionId;

namespace {

// A waits for our ACK to its 2xx for 64*T1 (32 s) before it gives up (RFC 3261 13.3.1.4), so B
// must answer a little sooner than that.
constexpr auto kRingTime = std::chrono::seconds(28);

}  // namespace

CallOriginator::CallOriginator(Delegate& delegate, CallManager& callManager,
                               const LocalIdentity& identity, Timers& timers,
                               transaction::TransactionLayer& transactions,
                               transaction::SendFunction send)
    : delegate_(delegate),
      callManager_(callManager),
      identity_(identity),
      policy_(callManager.policy()),
      timers_(timers),
      dialogs_(callManager.dialogs()),
      transactions_(transactions),
      send_(std::move(send)) {}

CallOriginator::~CallOriginator() {
  for (auto& [id, call] : calls_) timers_.cancel(call.ringTimer);
}

// "alice", "alice@example.com", "+4930123" or a SIP/tel URI, as a URI in our default domain.
std::string CallOriginator::partyUri(const std::string& party) const {
  if (party.empty() || party.find_first_of(" \t\r\n<>\"") != std::string::npos) return {};
  if (party.starts_with("sip:") || party.starts_with("sips:") || party.starts_with("tel:")) {
    return sip::parseUri(party) ? party : std::string();
  }
  std::string uri = "sip:" + party;
  if (party.find('@') == std::string::npos) uri += "@" + identity_.defaultDomain();
  return sip::parseUri(uri) ? uri : std::string();
}

Result<std::uint64_t, OriginateError> CallOriginator::originate(const std::string& from,
                                                                const std::string& to) {
  using Kind = OriginateError::Kind;
  const auto fromUri = partyUri(from);
  const auto toUri = partyUri(to);
  if (fromUri.empty()) {
    return OriginateError{Kind::BadParty, "from: not a user name, number or SIP URI"};
  }
  if (toUri.empty()) {
    return OriginateError{Kind::BadParty, "to: not a user name, number or SIP URI"};
  }
  const auto targetA = delegate_.originateTarget(fromUri);
  if (!targetA) {
    return OriginateError{Kind::UnknownParty, "from: not registered, and no route leads there"};
  }
  const auto targetB = delegate_.originateTarget(toUri);
  if (!targetB) {
    return OriginateError{Kind::UnknownParty, "to: not registered, and no route leads there"};
  }

  Dialog& dialog = dialogs_.create(transactions_.newBranch().substr(7) + "@rtcgate");
  dialog.originated = true;
  dialog.caller.uri = fromUri;
  dialog.callee.uri = toUri;
  dialog.caller.leg = targetA->leg;
  dialog.callee.leg = targetB->leg;
  dialog.caller.mediaInterface = targetA->mediaInterface;
  dialog.callee.mediaInterface = targetB->mediaInterface;
  dialog.caller.dtmf = targetA->dtmf.value_or(callManager_.defaultDtmf());
  dialog.callee.dtmf = targetB->dtmf.value_or(callManager_.defaultDtmf());
  dialog.caller.record = targetA->record;
  dialog.callee.record = targetB->record;
  dialog.anchored =
      callManager_.media() != nullptr && policy_.anchors(dialog.caller.leg, dialog.callee.leg);
  dialog.caller.local = DialogSide::LocalEnd{dialog.callId, {}, 1};
  auto& call = calls_[dialog.id];
  call.dialogId = dialog.id;
  call.targetA = *targetA;
  call.targetB = *targetB;
  call.fromUri = fromUri;
  call.toUri = toUri;
  spdlog::info(
      "call {}: originated {} -> {}, calling {} first ({})", dialog.callId, fromUri, toUri, fromUri,
      targetA->locate.empty() ? std::string(sip::viaTransportName(targetA->flow.transport)) + " " +
                                    targetA->flow.remote.toString()
                              : targetA->locate);
  callManager_.callEvent(CallEvent::Incoming, dialog);
  if (!targetA->locate.empty()) {
    // A by name: the INVITE leaves once DNS has it; a failure then ends the call (event, CDR).
    continueLeg(call, dialog, true, [this](OriginatedCall& located, Dialog& dialog) {
      if (!inviteLeg(located, dialog.caller, located.targetA, located.toUri, located.fromUri, {})) {
        failed(located, dialog, true, 503);
      }
    });
    return dialog.id;
  }
  if (!inviteLeg(call, dialog.caller, *targetA, toUri, fromUri, {})) {
    callManager_.endDialog(dialog, "failed-503", 503);
    return OriginateError{Kind::NotSent, "from: the INVITE could not be sent"};
  }
  return dialog.id;
}

// Our INVITE to one party: we appear as the other party (From), with a Contact of our own.
bool CallOriginator::inviteLeg(OriginatedCall& call, DialogSide& side,
                               const OriginateTarget& target, const std::string& fromUri,
                               const std::string& toUri, std::string sdp) {
  side.local->nameAddr = "<" + fromUri + ">;tag=" + transactions_.newBranch().substr(7, 16);
  side.nameAddr = "<" + toUri + ">";
  side.contact = target.requestUri;
  side.routes = target.routes;
  side.local->sdp = std::move(sdp);
  dialogs_.setFlow(side, target.flow);
  if (!sendInvite(call, side, target, nullptr)) return false;
  if (target.trunk) {
    spdlog::info("call {}: {} through trunk {}", side.local->callId, target.dialled,
                 target.trunk->name);
  }
  return true;
}

// The leg's INVITE as it stands (its CSeq, our From, the offer we make), with the answer to a
// trunk's challenge when there is one. Toward a trunk we show its caller id, in our From for the
// whole dialog (ACK, BYE) as in this INVITE.
bool CallOriginator::sendInvite(OriginatedCall& call, DialogSide& side,
                                const OriginateTarget& target,
                                const sip::ChallengeReply* credentials) {
  const bool legA = &side == &dialogs_.findById(call.dialogId)->caller;
  const std::string contact = "Contact: <" + identity_.contact(target.flow) +
                              ">\r\nAllow: INVITE, ACK, CANCEL, BYE, OPTIONS\r\n";
  const auto via = identity_.via(target.flow, transactions_.newBranch());
  auto invite = SipMessage::parse(UacRequest{.method = "INVITE",
                                             .uri = target.requestUri,
                                             .routes = &target.routes,
                                             .from = side.local->nameAddr,
                                             .to = side.nameAddr,
                                             .callId = side.local->callId,
                                             .cseq = side.local->cseq,
                                             .via = via,
                                             .extraHeaders = contact,
                                             .body = side.local->sdp}
                                      .write());
  if (!invite) {
    spdlog::warn("call {}: cannot build the INVITE to {}: {}", side.local->callId,
                 target.requestUri, invite.error());
    return false;
  }
  if (target.trunk) {
    presentTrunkCaller(*invite, *target.trunk);
    side.local->nameAddr = std::string(invite->find(HeaderId::From)->value);
  }
  if (credentials != nullptr) invite->appendHeader(credentials->header, credentials->value);
  auto sent = transactions_.sendRequest(std::move(*invite), sendingFlow(target.flow),
                                        tagOf(TransactionOwner::Originator));
  if (!sent) {
    spdlog::info("call {}: INVITE to {} not sent: {}", side.local->callId, target.requestUri,
                 sent.error());
    return false;
  }
  (legA ? call.inviteA : call.inviteB) = *sent;
  inviteOwner_[*sent] = call.dialogId;
  return true;
}

// A trunk challenged a leg's INVITE (RFC 3261 22.3): the INVITE goes again with its credentials,
// the next CSeq and a new branch (the transaction layer ACKs the 401/407). False when the leg is
// not a trunk's or the challenge is not to be answered (a second one: the credentials were
// refused): the leg then fails like any other.
bool CallOriginator::answerChallenge(OriginatedCall& call, Dialog& dialog, bool legA,
                                     const SipMessage& response) {
  const auto& target = legA ? call.targetA : call.targetB;
  if (!target.trunk) return false;
  int& answered = legA ? call.challengesA : call.challengesB;
  const auto reply =
      delegate_.trunkCredentials(*target.trunk, response, "INVITE", target.requestUri, answered);
  if (!reply) return false;
  ++answered;
  DialogSide& side = legA ? dialog.caller : dialog.callee;
  ++side.local->cseq;
  inviteOwner_.erase(legA ? call.inviteA : call.inviteB);
  if (!sendInvite(call, side, target, &*reply)) failed(call, dialog, legA, 503);
  return true;
}

OriginatedCall* CallOriginator::live(std::uint64_t dialogId, Dialog*& dialog) {
  const auto found = calls_.find(dialogId);
  dialog = dialogs_.findById(dialogId);
  return found == calls_.end() || dialog == nullptr ? nullptr : &found->second;
}

// ------------------------------------------------------------------ responses

void CallOriginator::onResponse(TransactionId clientTx, SipMessage&& response,
                                const sip::Flow& flow) {
  const auto owner = inviteOwner_.find(clientTx);
  if (owner == inviteOwner_.end()) return;
  const int status = response.statusCode();
  const bool answered = status >= 200 && status < 300;
  Dialog* dialog = nullptr;
  OriginatedCall* call = live(owner->second, dialog);
  if (call == nullptr) {
    // The call ended while this INVITE was out: a 2xx still gets its ACK, then a BYE.
    if (answered) ackLateAnswer(response, flow);
    return;
  }
  const bool legA = clientTx == call->inviteA;
  DialogSide& side = legA ? dialog->caller : dialog->callee;
  if (status < 200) {
    if (status > 100 && !response.toTag().empty() && dialog->state == Dialog::State::Trying) {
      dialog->state = Dialog::State::Early;
      callManager_.callEvent(CallEvent::Ringing, *dialog);
    }
    return;
  }
  if ((status == 401 || status == 407) && answerChallenge(*call, *dialog, legA, response)) return;
  if (!answered && tryElsewhere(*call, *dialog, legA, status)) return;
  if (!answered) return failed(*call, *dialog, legA, status);
  if (!side.tag.empty()) return repeatAck(*call, side, legA, response, flow);
  learnSide(side, response, flow);
  if (legA) return answeredByA(*call, *dialog, response);
  answeredByB(*call, *dialog, response);
}

// A 2xx after the one we kept: a retransmission (our ACK was lost) or a second fork answering.
void CallOriginator::repeatAck(const OriginatedCall& call, const DialogSide& side, bool legA,
                               const SipMessage& response, const sip::Flow& flow) {
  if (response.toTag() != side.tag) return ackLateAnswer(response, flow);
  if (const auto& ack = legA ? call.ackA : call.ackB; !ack.empty()) {
    send_(sendingFlow(side.flow), ack);
  }
}

void CallOriginator::learnSide(DialogSide& side, const SipMessage& response,
                               const sip::Flow& flow) {
  side.tag = std::string(response.toTag());
  side.nameAddr = std::string(response.find(HeaderId::To)->value);
  if (auto contact = contactUri(response); !contact.empty()) side.contact = std::move(contact);
  side.routes = uacRouteSet(response);
  if (sip::isReliable(flow.transport)) dialogs_.setFlow(side, flow);
}

void CallOriginator::answeredByA(OriginatedCall& call, Dialog& dialog, const SipMessage& response) {
  if (!carriesSdp(response)) {
    spdlog::info("call {}: {} answered without an offer", dialog.callId, dialog.caller.uri);
    failed(call, dialog, true, 488);
    return;
  }
  spdlog::info("call {}: {} answered, calling {}", dialog.callId, dialog.caller.uri,
               dialog.callee.uri);
  call.step = OriginatedCall::Step::CallingB;
  dialog.callee.local =
      DialogSide::LocalEnd{transactions_.newBranch().substr(7) + "@rtcgate", {}, 1};
  dialogs_.addCallId(dialog, dialog.callee.local->callId);
  dialog.caller.sdp = response.body();
  dialog.caller.formats = sdp::AudioFormats::parse(response.body());
  const auto id = dialog.id;
  auto* media = callManager_.media();
  if (!dialog.anchored || media == nullptr) return callB(id, std::string(response.body()));
  SdpExchange exchange;
  exchange.callId = dialog.callId;
  exchange.fromTag = dialog.caller.tag;
  exchange.sdp = std::string(response.body());
  exchange.settings = policy_.settings(dialog.callee.leg, dialog.caller.leg,
                                       dialog.callee.mediaInterface, dialog.caller.mediaInterface);
  media->offer(exchange, [this, id](MediaAnchor::SdpResult sdp) { callB(id, std::move(sdp)); });
}

// A answered and its offer is ready for B (through the relay or not): B is called and must
// answer before A gives up waiting for our ACK.
void CallOriginator::callB(std::uint64_t dialogId, MediaAnchor::SdpResult sdp) {
  Dialog* dialog = nullptr;
  OriginatedCall* call = live(dialogId, dialog);
  if (call == nullptr) return;
  if (sdp && !call->targetB.locate.empty()) {
    return continueLeg(*call, *dialog, false,
                       [this, dialogId, offer = std::move(*sdp)](OriginatedCall&, Dialog&) {
                         callB(dialogId, offer);
                       });
  }
  if (!sdp || !inviteLeg(*call, dialog->callee, call->targetB, call->fromUri, call->toUri,
                         std::move(*sdp))) {
    // The relay's refusal of A's offer is 488, a relay that is not there 503, as for a branch.
    failed(*call, *dialog, false, sdp ? 503 : MediaAnchor::sipStatus(sdp.error().kind).code);
    return;
  }
  call->ringTimer = timers_.start(kRingTime, [this, dialogId] {
    Dialog* dialog = nullptr;
    OriginatedCall* call = live(dialogId, dialog);
    if (call == nullptr) return;
    call->ringTimer = 0;
    dialog->endReason = "no-answer";
    transactions_.cancel(call->inviteB);
  });
}

// A leg's target by name is looked up first (RFC 3263): `then` runs once DNS answers, with the
// first destination and the others kept for failover, unless the call ended meanwhile (hangup).
// A name that does not resolve moves the leg on to its next target, or ends the call.
void CallOriginator::whenLocated(std::uint64_t dialogId, bool legA, AfterLocate then) {
  Dialog* dialog = nullptr;
  const OriginatedCall* call = live(dialogId, dialog);
  const std::string uri = (legA ? call->targetA : call->targetB).locate;
  delegate_.locate(uri, [this, dialogId, legA, uri, then = std::move(then)](
                            std::vector<sip::Flow> flows, int status, const std::string& why) {
    Dialog* dialog = nullptr;
    OriginatedCall* call = live(dialogId, dialog);
    if (call == nullptr) return;
    auto& target = legA ? call->targetA : call->targetB;
    if (flows.empty()) {
      spdlog::info("call {}: cannot reach {}: {}", dialog->callId, uri, why);
      target.locate.clear();
      if (advance(target)) return continueLeg(*call, *dialog, legA, then);
      return failed(*call, *dialog, legA, status);
    }
    target.flow = flows.front();
    target.alternates.assign(flows.begin() + 1, flows.end());
    target.locate.clear();
    then(*call, *dialog);
  });
}

void CallOriginator::answeredByB(OriginatedCall& call, Dialog& dialog, const SipMessage& response) {
  timers_.cancel(call.ringTimer);
  call.ringTimer = 0;
  call.ackB = ackFor(dialog.callee, {});
  send_(sendingFlow(dialog.callee.flow), call.ackB);
  if (!carriesSdp(response)) {
    spdlog::info("call {}: {} answered without an answer to our offer", dialog.callId,
                 dialog.callee.uri);
    callManager_.sendBye(dialog, dialog.callee, dialog.caller);
    failed(call, dialog, false, 488);
    return;
  }
  dialog.callee.sdp = response.body();
  dialog.callee.formats = sdp::AudioFormats::parse(response.body());
  auto* media = callManager_.media();
  if (!dialog.anchored || media == nullptr) {
    return connect(call, dialog, std::string(response.body()));
  }
  SdpExchange exchange;
  exchange.callId = dialog.callId;
  exchange.fromTag = dialog.caller.tag;
  exchange.toTag = dialog.callee.tag;
  exchange.sdp = std::string(response.body());
  exchange.settings = policy_.settings(dialog.caller.leg, dialog.callee.leg,
                                       dialog.caller.mediaInterface, dialog.callee.mediaInterface);
  const auto id = dialog.id;
  media->answer(exchange, [this, id](MediaAnchor::SdpResult sdp) {
    Dialog* dialog = nullptr;
    OriginatedCall* call = live(id, dialog);
    if (call == nullptr) return;
    if (!sdp) {
      spdlog::warn("call {}: the relay refused the answer: {}", dialog->callId, sdp.error().reason);
      callManager_.sendBye(*dialog, dialog->callee, dialog->caller);
      failed(*call, *dialog, false, 503);
      return;
    }
    connect(*call, *dialog, std::move(*sdp));
  });
}

void CallOriginator::connect(OriginatedCall& call, Dialog& dialog, std::string sdpForA) {
  call.step = OriginatedCall::Step::Connected;
  call.ackA = ackFor(dialog.caller, sdpForA);
  dialog.caller.local->sdp = std::move(sdpForA);
  send_(sendingFlow(dialog.caller.flow), call.ackA);
  dialog.state = Dialog::State::Confirmed;
  dialog.answered = timers_.wallNow();
  dialog.answeredAt = timers_.now();
  dialogs_.countAnswered();
  spdlog::info("call {}: {} and {} connected, media {}", dialog.callId, dialog.caller.uri,
               dialog.callee.uri, dialog.anchored ? "through the relay" : "direct");
  callManager_.callEvent(CallEvent::Answered, dialog);
}

// One leg did not answer, or the relay or a party failed us: A, when it answered and waits for
// our ACK, gets one (without an answer) and a BYE.
void CallOriginator::failed(OriginatedCall& call, Dialog& dialog, bool legA, int status) {
  timers_.cancel(call.ringTimer);
  call.ringTimer = 0;
  if (!dialog.caller.tag.empty() && call.step != OriginatedCall::Step::Connected) {
    call.ackA = ackFor(dialog.caller, {});
    send_(sendingFlow(dialog.caller.flow), call.ackA);
    callManager_.sendBye(dialog, dialog.caller, dialog.callee);
  }
  auto reason = dialog.endReason.empty() ? Dialog::failureReason(status) : dialog.endReason;
  spdlog::info("call {}: originated call failed at {} ({}, {})", dialog.callId,
               legA ? dialog.caller.uri : dialog.callee.uri, reason, status);
  callManager_.endDialog(dialog, std::move(reason), status);
}

// The ACK for a leg's 2xx: the CSeq of the INVITE that got it (RFC 3261 13.2.2.4), which is the
// leg's latest until the call is up (one more per challenge answered or destination tried).
std::string CallOriginator::ackFor(const DialogSide& side, std::string_view sdp) {
  const auto via = identity_.via(side.flow, transactions_.newBranch());
  return UacRequest{.method = "ACK",
                    .uri = side.contact,
                    .routes = &side.routes,
                    .from = side.local->nameAddr,
                    .to = side.nameAddr,
                    .callId = side.local->callId,
                    .cseq = side.local->cseq,
                    .via = via,
                    .body = sdp}
      .write();
}

// A 2xx for a call that is over (or a fork we did not keep): ACK it, then BYE (RFC 3261 13.2.2.4).
void CallOriginator::ackLateAnswer(const SipMessage& response, const sip::Flow& flow) {
  const auto uri = contactUri(response);
  if (uri.empty()) return;
  const auto routes = uacRouteSet(response);
  const std::string from(response.find(HeaderId::From)->value);
  const std::string to(response.find(HeaderId::To)->value);
  UacRequest request{.method = "ACK",
                     .uri = uri,
                     .routes = &routes,
                     .from = from,
                     .to = to,
                     .callId = response.callId(),
                     .cseq = response.cseq()};
  const auto ackVia = identity_.via(flow, transactions_.newBranch());
  request.via = ackVia;
  send_(sendingFlow(flow), request.write());
  request.method = "BYE";
  request.cseq = response.cseq() + 1;
  const auto byeVia = identity_.via(flow, transactions_.newBranch());
  request.via = byeVia;
  if (auto bye = SipMessage::parse(request.write())) {
    (void)transactions_.sendRequest(std::move(*bye), sendingFlow(flow),
                                    tagOf(TransactionOwner::Originator));
  }
}

// ------------------------------------------------------------------ requests in our dialogs

// A request in a dialog we are the user agent of: its tags are the far end's and ours, and it
// comes the way that far end's responses came.
void CallOriginator::onRequest(TransactionId serverTx, SipMessage&& request, const sip::Flow& flow,
                               Dialog& dialog) {
  const auto tag = request.fromTag();
  const bool known = !tag.empty() && (tag == dialog.caller.tag || tag == dialog.callee.tag);
  const DialogSide* sender = known ? &dialog.sideOf(tag) : nullptr;
  std::string_view ourTag;
  if (sender && sender->local) {
    if (const auto ours = sip::parseNameAddr(sender->local->nameAddr)) ourTag = ours->tag();
  }
  if (ourTag.empty() || ourTag != request.toTag() || !sender->flow.sameOrigin(flow)) {
    return delegate_.refuseInDialog(serverTx, request, flow);
  }
  DialogSide& side = dialog.sideOf(tag);
  side.cseq = std::max(side.cseq, request.cseq());
  switch (request.method()) {
    case Method::Bye:
      return answerBye(serverTx, request, dialog, side);
    case Method::Options:
      return answer(serverTx, request, 200, "OK");
    case Method::Invite:
    case Method::Update:
      return answerRefresh(serverTx, request, dialog, side);
    case Method::Info:
      if (delegate_.takeDtmfInfo(serverTx, request, dialog)) return;
      return answer(serverTx, request, 415, "Unsupported Media Type");
    case Method::Notify:
      if (delegate_.takeTransferNotify(serverTx, request, dialog)) return;
      return answer(serverTx, request, 481, "Subscription Does Not Exist");
    default:
      return answer(serverTx, request, 501, "Not Implemented");
  }
}

void CallOriginator::answerBye(TransactionId serverTx, const SipMessage& request, Dialog& dialog,
                               DialogSide& side) {
  answer(serverTx, request, 200, "OK");
  const bool byA = &side == &dialog.caller;
  spdlog::info("call {}: BYE from {}", dialog.callId, side.uri);
  const auto found = calls_.find(dialog.id);
  if (dialog.state == Dialog::State::Confirmed) {
    callManager_.sendBye(dialog, dialog.otherSide(side.tag), side);
  } else if (found != calls_.end() && found->second.inviteB != 0) {
    transactions_.cancel(found->second.inviteB);  // A gave up while B was ringing
  }
  callManager_.endDialog(dialog, byA ? "caller-bye" : "callee-bye", 200);
}

// A re-INVITE or UPDATE from a party of an originated call. Most are session refreshes (RFC 4028:
// a phone whose 2xx set refresher=uas sends them even though we never asked for timers): without
// SDP, or with the SDP it sent last (the same o= line: nothing changed, RFC 3264 8), it gets our
// own last SDP back (as the offer in a 2xx to an offerless re-INVITE, whose ACK then answers with
// what it had) and the call goes on. A new offer (a hold, a codec change) goes on to the other leg
// through the relay (ProxyCore::passOffer); where it cannot, refusing it keeps the current media
// (RFC 3261 14.2).
void CallOriginator::answerRefresh(TransactionId serverTx, const SipMessage& request,
                                   Dialog& dialog, DialogSide& side) {
  const bool offer = carriesSdp(request);
  if (offer && originLine(request.body()) != originLine(side.sdp)) {
    if (delegate_.passOffer(serverTx, request, dialog, side)) return;
    spdlog::info(
        "call {}: new offer from {} refused: its media does not go through the relay, or "
        "another renegotiation is under way",
        dialog.callId, side.uri);
    return answer(serverTx, request, 488, "Not Acceptable Here");
  }
  auto ok = request.makeResponse(200, "OK");
  ok.appendHeader(HeaderId::Contact, "<" + identity_.contact(side.flow) + ">");
  const bool reinvite = request.method() == Method::Invite;
  if ((reinvite || offer) && !side.local->sdp.empty()) {
    ok.setBody(side.local->sdp, "application/sdp");
  }
  delegate_.respond(serverTx, std::move(ok));
}

void CallOriginator::answer(TransactionId serverTx, const SipMessage& request, int status,
                            std::string_view reason) {
  delegate_.respond(serverTx, request.makeResponse(status, reason));
}

// Before the call is connected, hanging up cancels the INVITE that is out (its 487 ends the call).
bool CallOriginator::hangup(Dialog& dialog, const std::string& reason) {
  const auto found = calls_.find(dialog.id);
  if (found == calls_.end()) return false;
  auto& call = found->second;
  dialog.endReason = reason;
  const auto pending = call.step == OriginatedCall::Step::CallingA ? call.inviteA : call.inviteB;
  if (pending != 0 && transactions_.alive(pending)) {
    transactions_.cancel(pending);
  } else {
    failed(call, dialog, call.step == OriginatedCall::Step::CallingA, 487);
  }
  return true;
}

void CallOriginator::forget(std::uint64_t dialogId) {
  const auto found = calls_.find(dialogId);
  if (found == calls_.end()) return;
  timers_.cancel(found->second.ringTimer);
  calls_.erase(found);
}

// Timeout or transport failure of one of our INVITEs.
void CallOriginator::onTransactionFailed(TransactionId clientTx, int status) {
  const auto owner = inviteOwner_.find(clientTx);
  if (owner == inviteOwner_.end()) return;
  Dialog* dialog = nullptr;
  OriginatedCall* call = live(owner->second, dialog);
  if (call == nullptr) return;
  const bool legA = clientTx == call->inviteA;
  if (tryElsewhere(*call, *dialog, legA, status)) return;
  failed(*call, *dialog, legA, status);
}

// A leg whose INVITE failed with 408 (no answer) or a 5xx goes on, as a forwarded branch does, to
// the next destination DNS gave for its target (RFC 3263), then to its route's or trunk's next
// target. False: nowhere left, the leg fails.
bool CallOriginator::tryElsewhere(OriginatedCall& call, Dialog& dialog, bool legA, int status) {
  if (status != 408 && status < 500) return false;
  auto& target = legA ? call.targetA : call.targetB;
  const std::string failed = target.requestUri;
  if (!advance(target)) return false;
  spdlog::info("call {}: {} answered {}, trying {}", dialog.callId, failed, status,
               target.locate.empty() ? target.flow.remote.toString() : target.locate);
  (legA ? call.challengesA : call.challengesB) = 0;  // another server, its own challenges
  continueLeg(call, dialog, legA, [this, legA](OriginatedCall& located, Dialog& dialog) {
    inviteAgain(located, dialog, legA);
  });
  return true;
}

// Moves a target on to its next destination, else to its route's or trunk's next target (which
// may have to be looked up). False when neither is left.
bool CallOriginator::advance(OriginateTarget& target) const {
  if (!target.alternates.empty()) {
    target.flow = target.alternates.front();
    target.alternates.erase(target.alternates.begin());
    return true;
  }
  while (!target.failover.empty()) {
    auto rest = std::vector<std::string>(target.failover.begin() + 1, target.failover.end());
    auto found = delegate_.failoverTarget(target.failover.front(), target.dialled);
    target.failover = std::move(rest);
    if (!found) continue;
    found->trunk = std::move(target.trunk);
    found->dialled = std::move(target.dialled);
    found->mediaInterface = std::move(target.mediaInterface);
    found->dtmf = target.dtmf;
    found->record = target.record;
    found->failover = std::move(target.failover);
    target = std::move(*found);
    return true;
  }
  return false;
}

// Runs `then` for the leg's target once it has a destination: at once, or after DNS.
void CallOriginator::continueLeg(OriginatedCall& call, Dialog& dialog, bool legA,
                                 AfterLocate then) {
  const auto& target = legA ? call.targetA : call.targetB;
  if (target.locate.empty()) return then(call, dialog);
  whenLocated(dialog.id, legA, std::move(then));
}

// The leg's INVITE again, toward its target as it now stands: the next CSeq, the same Call-ID,
// From tag and offer.
void CallOriginator::inviteAgain(OriginatedCall& call, Dialog& dialog, bool legA) {
  auto& target = legA ? call.targetA : call.targetB;
  DialogSide& side = legA ? dialog.caller : dialog.callee;
  inviteOwner_.erase(legA ? call.inviteA : call.inviteB);
  ++side.local->cseq;
  side.contact = target.requestUri;
  side.routes = target.routes;
  dialogs_.setFlow(side, target.flow);
  if (!sendInvite(call, side, target, nullptr) && !tryElsewhere(call, dialog, legA, 503)) {
    failed(call, dialog, legA, 503);
  }
}

}  // namespace rtcgate::proxy
