// ProxyCore's calls placed through the API (RFC 3725 third-party call control, flow I): here the
// proxy is the user agent on both legs. A is called without an offer; A's 2xx offers; B is called
// with that offer (rewritten by the relay when the two legs speak different media); B's answer
// goes to A in our ACK. Both legs then live in one Dialog, which the rest of the proxy (hang-up,
// timeouts, CDRs, events) treats like any other call.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "proxy/MessageParts.hpp"
#include "proxy/ProxyCore.hpp"
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

// "alice", "alice@example.com", "+4930123" or a SIP/tel URI, as a URI in our default domain.
std::string ProxyCore::partyUri(const std::string& party) const {
  if (party.empty() || party.find_first_of(" \t\r\n<>\"") != std::string::npos) return {};
  if (party.starts_with("sip:") || party.starts_with("sips:") || party.starts_with("tel:")) {
    return sip::parseUri(party) ? party : std::string();
  }
  std::string uri = "sip:" + party;
  if (party.find('@') == std::string::npos) uri += "@" + identity_.defaultDomain();
  return sip::parseUri(uri) ? uri : std::string();
}

// Where an INVITE to `uri` would go: the preferred contact of a local user (highest q, then the
// most recent), else a static route for the user part, else the URI's own host when not ours.
std::optional<OriginateTarget> ProxyCore::originateTarget(const std::string& uri) const {
  const auto parsed = sip::parseUri(uri);
  if (!parsed) return std::nullopt;
  const auto host = parsed->hostNoBrackets();
  const bool toUs = identity_.isOurAddress(*parsed);
  if (identity_.isLocalDomain(host) || (toUs && !parsed->user.empty())) {
    // The user part is case-sensitive (RFC 3261 19.1.4); the domain is not.
    std::string domain(identity_.isLocalDomain(host) ? host : identity_.defaultDomain());
    std::transform(domain.begin(), domain.end(), domain.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    auto contacts = locationTargets(sip::unescapeUriComponent(parsed->user) + "@" + domain);
    if (!contacts.empty()) {
      auto& preferred = contacts.front();
      return OriginateTarget{preferred.requestUri, preferred.flow, preferred.routes};
    }
  }
  const char* why = "";
  if (const auto* route = routes_.find(sip::unescapeUriComponent(parsed->user))) {
    if (auto target = uriTarget(route->front(), parsed->user, why)) {
      return OriginateTarget{target->requestUri, target->flow, target->routes};
    }
  }
  if (toUs || identity_.isLocalDomain(host)) return std::nullopt;
  auto direct = resolver_.resolve(*parsed, why);
  if (!direct) return std::nullopt;
  return OriginateTarget{uri, *direct, {}};
}

Result<std::uint64_t> ProxyCore::originate(const std::string& from, const std::string& to) {
  const auto fromUri = partyUri(from);
  const auto toUri = partyUri(to);
  if (fromUri.empty()) return Error{"from: not a user name, number or SIP URI"};
  if (toUri.empty()) return Error{"to: not a user name, number or SIP URI"};
  const auto targetA = originateTarget(fromUri);
  if (!targetA) return Error{"from: not registered, and no route leads there"};
  const auto targetB = originateTarget(toUri);
  if (!targetB) return Error{"to: not registered, and no route leads there"};

  Dialog& dialog = dialogs_.create(transactions_.newBranch().substr(7) + "@rtcgate");
  dialog.originated = true;
  dialog.caller.uri = fromUri;
  dialog.callee.uri = toUri;
  // A party behind a route takes the route's media profile (an SDES PBX), as a branch would.
  dialog.caller.leg =
      mediaPolicy_.legToward(targetA->flow.transport, routes_.targetMedia(targetA->requestUri));
  dialog.callee.leg =
      mediaPolicy_.legToward(targetB->flow.transport, routes_.targetMedia(targetB->requestUri));
  dialog.anchored = media_ && mediaPolicy_.anchors(dialog.caller.leg, dialog.callee.leg);
  dialog.caller.local = DialogSide::LocalEnd{dialog.callId, {}, 1};
  auto& call = originated_[dialog.id];
  call.dialogId = dialog.id;
  call.targetB = *targetB;
  call.fromUri = fromUri;
  call.toUri = toUri;
  spdlog::info("call {}: originated {} -> {}, calling {} first ({} {})", dialog.callId, fromUri,
               toUri, fromUri, sip::viaTransportName(targetA->flow.transport),
               targetA->flow.remote.toString());
  callEvent("incoming", dialog);
  if (!inviteLeg(call, dialog.caller, *targetA, toUri, fromUri, {})) {
    endDialog(dialog, "failed-503", 503);
    return Error{"from: the INVITE could not be sent"};
  }
  return dialog.id;
}

// Our INVITE to one party: we appear as the other party (From), with a Contact of our own.
bool ProxyCore::inviteLeg(OriginatedCall& call, DialogSide& side, const OriginateTarget& target,
                          const std::string& fromUri, const std::string& toUri, std::string sdp) {
  const bool legA = &side == &dialogs_.findById(call.dialogId)->caller;
  side.local->nameAddr = "<" + fromUri + ">;tag=" + transactions_.newBranch().substr(7, 16);
  side.nameAddr = "<" + toUri + ">";
  side.contact = target.requestUri;
  side.routes = target.routes;
  dialogs_.setFlow(side, target.flow);
  const std::string contact =
      "Contact: <" + ourContact(target.flow) + ">\r\nAllow: INVITE, ACK, CANCEL, BYE, OPTIONS\r\n";
  const auto via = viaFor(target.flow, transactions_.newBranch());
  auto invite = SipMessage::parse(UacRequest{.method = "INVITE",
                                             .uri = target.requestUri,
                                             .routes = &target.routes,
                                             .from = side.local->nameAddr,
                                             .to = side.nameAddr,
                                             .callId = side.local->callId,
                                             .cseq = side.local->cseq,
                                             .via = via,
                                             .extraHeaders = contact,
                                             .sdp = sdp}
                                      .write());
  if (!invite) {
    spdlog::warn("call {}: cannot build the INVITE to {}: {}", side.local->callId, toUri,
                 invite.error());
    return false;
  }
  auto sent = transactions_.sendRequest(std::move(*invite), sendingFlow(target.flow));
  if (!sent) {
    spdlog::info("call {}: INVITE to {} not sent: {}", side.local->callId, toUri, sent.error());
    return false;
  }
  (legA ? call.inviteA : call.inviteB) = *sent;
  side.local->sdp = std::move(sdp);
  originateTx_[*sent] = call.dialogId;
  return true;
}

// ------------------------------------------------------------------ responses

bool ProxyCore::originateResponse(TransactionId clientTx, SipMessage&& response,
                                  const sip::Flow& flow) {
  const auto owner = originateTx_.find(clientTx);
  if (owner == originateTx_.end()) return false;
  const int status = response.statusCode();
  const auto found = originated_.find(owner->second);
  Dialog* dialog = dialogs_.findById(owner->second);
  const bool answered = status >= 200 && status < 300;
  if (found == originated_.end() || dialog == nullptr) {
    // The call ended while this INVITE was out: a 2xx still gets its ACK, then a BYE.
    if (answered) ackLateAnswer(response, flow);
    return true;
  }
  auto& call = found->second;
  const bool legA = clientTx == call.inviteA;
  DialogSide& side = legA ? dialog->caller : dialog->callee;
  if (status < 200) {
    if (status > 100 && !response.toTag().empty() && dialog->state == Dialog::State::Trying) {
      dialog->state = Dialog::State::Early;
      callEvent("ringing", *dialog);
    }
    return true;
  }
  if (!answered) {
    originateFailed(call, *dialog, legA, status);
    return true;
  }
  if (!side.tag.empty()) {
    if (response.toTag() != side.tag) {
      ackLateAnswer(response, flow);  // a second fork answered: not the one we kept
    } else if (const auto& ack = legA ? call.ackA : call.ackB; !ack.empty()) {
      send_(sendingFlow(side.flow), ack);  // our ACK was lost: the 2xx came again
    }
    return true;
  }
  learnSide(side, response, flow);
  if (legA) {
    answeredByA(call, *dialog, response);
  } else {
    answeredByB(call, *dialog, response);
  }
  return true;
}

void ProxyCore::learnSide(DialogSide& side, const SipMessage& response, const sip::Flow& flow) {
  side.tag = std::string(response.toTag());
  side.nameAddr = std::string(response.find(HeaderId::To)->value);
  if (auto contact = contactUri(response); !contact.empty()) side.contact = std::move(contact);
  side.routes = uacRouteSet(response);
  if (sip::isReliable(flow.transport)) dialogs_.setFlow(side, flow);
}

void ProxyCore::answeredByA(OriginatedCall& call, Dialog& dialog, const SipMessage& response) {
  if (!carriesSdp(response)) {
    spdlog::info("call {}: {} answered without an offer", dialog.callId, dialog.caller.uri);
    originateFailed(call, dialog, true, 488);
    return;
  }
  spdlog::info("call {}: {} answered, calling {}", dialog.callId, dialog.caller.uri,
               dialog.callee.uri);
  call.step = OriginatedCall::Step::CallingB;
  dialog.callee.local =
      DialogSide::LocalEnd{transactions_.newBranch().substr(7) + "@rtcgate", {}, 1};
  dialogs_.addCallId(dialog, dialog.callee.local->callId);
  const auto id = dialog.id;
  auto callB = [this, id](Result<std::string> sdp) {
    auto found = originated_.find(id);
    Dialog* dialog = dialogs_.findById(id);
    if (found == originated_.end() || dialog == nullptr) return;
    auto& call = found->second;
    if (!sdp ||
        !inviteLeg(call, dialog->callee, call.targetB, call.fromUri, call.toUri, std::move(*sdp))) {
      originateFailed(call, *dialog, false, sdp ? 503 : 488);
      return;
    }
    call.ringTimer = timers_.start(kRingTime, [this, id] {
      auto found = originated_.find(id);
      Dialog* dialog = dialogs_.findById(id);
      if (found == originated_.end() || dialog == nullptr) return;
      found->second.ringTimer = 0;
      dialog->endReason = "no-answer";
      transactions_.cancel(found->second.inviteB);
    });
  };
  dialog.caller.sdp = response.body();
  if (!dialog.anchored) return callB(std::string(response.body()));
  SdpExchange exchange;
  exchange.callId = dialog.callId;
  exchange.fromTag = dialog.caller.tag;
  exchange.sdp = std::string(response.body());
  exchange.flags = mediaPolicy_.flags(dialog.callee.leg, dialog.caller.leg);
  media_->offer(exchange, std::move(callB));
}

void ProxyCore::answeredByB(OriginatedCall& call, Dialog& dialog, const SipMessage& response) {
  timers_.cancel(call.ringTimer);
  call.ringTimer = 0;
  call.ackB = ackFor(dialog.callee, {});
  send_(sendingFlow(dialog.callee.flow), call.ackB);
  if (!carriesSdp(response)) {
    spdlog::info("call {}: {} answered without an answer to our offer", dialog.callId,
                 dialog.callee.uri);
    sendBye(dialog, dialog.callee, dialog.caller);
    originateFailed(call, dialog, false, 488);
    return;
  }
  dialog.callee.sdp = response.body();
  if (!dialog.anchored) return connectOriginated(call, dialog, std::string(response.body()));
  SdpExchange exchange;
  exchange.callId = dialog.callId;
  exchange.fromTag = dialog.caller.tag;
  exchange.toTag = dialog.callee.tag;
  exchange.sdp = std::string(response.body());
  exchange.flags = mediaPolicy_.flags(dialog.caller.leg, dialog.callee.leg);
  const auto id = dialog.id;
  media_->answer(exchange, [this, id](Result<std::string> sdp) {
    auto found = originated_.find(id);
    Dialog* dialog = dialogs_.findById(id);
    if (found == originated_.end() || dialog == nullptr) return;
    if (!sdp) {
      spdlog::warn("call {}: the relay refused the answer: {}", dialog->callId, sdp.error());
      sendBye(*dialog, dialog->callee, dialog->caller);
      originateFailed(found->second, *dialog, false, 503);
      return;
    }
    connectOriginated(found->second, *dialog, std::move(*sdp));
  });
}

void ProxyCore::connectOriginated(OriginatedCall& call, Dialog& dialog, std::string sdpForA) {
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
  callEvent("answered", dialog);
}

// One leg did not answer, or the relay or a party failed us: A, when it answered and waits for
// our ACK, gets one (without an answer) and a BYE.
void ProxyCore::originateFailed(OriginatedCall& call, Dialog& dialog, bool legA, int status) {
  timers_.cancel(call.ringTimer);
  call.ringTimer = 0;
  if (!dialog.caller.tag.empty() && call.step != OriginatedCall::Step::Connected) {
    call.ackA = ackFor(dialog.caller, {});
    send_(sendingFlow(dialog.caller.flow), call.ackA);
    sendBye(dialog, dialog.caller, dialog.callee);
  }
  auto reason = dialog.endReason.empty() ? Dialog::failureReason(status) : dialog.endReason;
  spdlog::info("call {}: originated call failed at {} ({}, {})", dialog.callId,
               legA ? dialog.caller.uri : dialog.callee.uri, reason, status);
  endDialog(dialog, std::move(reason), status);
}

std::string ProxyCore::ackFor(const DialogSide& side, std::string_view sdp) {
  const auto via = viaFor(side.flow, transactions_.newBranch());
  return UacRequest{.method = "ACK",
                    .uri = side.contact,
                    .routes = &side.routes,
                    .from = side.local->nameAddr,
                    .to = side.nameAddr,
                    .callId = side.local->callId,
                    .cseq = 1,
                    .via = via,
                    .sdp = sdp}
      .write();
}

// A 2xx for a call that is over (or a fork we did not keep): ACK it, then BYE (RFC 3261 13.2.2.4).
void ProxyCore::ackLateAnswer(const SipMessage& response, const sip::Flow& flow) {
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
  const auto ackVia = viaFor(flow, transactions_.newBranch());
  request.via = ackVia;
  send_(sendingFlow(flow), request.write());
  request.method = "BYE";
  request.cseq = response.cseq() + 1;
  const auto byeVia = viaFor(flow, transactions_.newBranch());
  request.via = byeVia;
  if (auto bye = SipMessage::parse(request.write())) {
    (void)transactions_.sendRequest(std::move(*bye), sendingFlow(flow));
  }
}

// ------------------------------------------------------------------ requests in our dialogs

// A request in a dialog we are the user agent of: its tags are the far end's and ours, and it
// comes the way that far end's responses came.
void ProxyCore::handleOriginatedRequest(TransactionId serverTx, SipMessage&& request,
                                        const sip::Flow& flow, Dialog& dialog) {
  const auto tag = request.fromTag();
  const bool known = !tag.empty() && (tag == dialog.caller.tag || tag == dialog.callee.tag);
  const DialogSide* sender = known ? &dialog.sideOf(tag) : nullptr;
  std::string_view ourTag;
  if (sender && sender->local) {
    if (const auto ours = sip::parseNameAddr(sender->local->nameAddr)) ourTag = ours->tag();
  }
  if (ourTag.empty() || ourTag != request.toTag() || !sender->flow.sameOrigin(flow)) {
    return refuseInDialog(serverTx, request, flow, RouteInfo{});
  }
  DialogSide& side = dialog.sideOf(tag);
  side.cseq = std::max(side.cseq, request.cseq());
  switch (request.method()) {
    case Method::Bye: {
      answer(serverTx, request, 200, "OK");
      const bool byA = &side == &dialog.caller;
      spdlog::info("call {}: BYE from {}", dialog.callId, side.uri);
      const auto found = originated_.find(dialog.id);
      if (dialog.state == Dialog::State::Confirmed) {
        sendBye(dialog, dialog.otherSide(tag), side);
      } else if (found != originated_.end() && found->second.inviteB != 0) {
        transactions_.cancel(found->second.inviteB);  // A gave up while B was ringing
      }
      endDialog(dialog, byA ? "caller-bye" : "callee-bye", 200);
      return;
    }
    case Method::Options:
      answer(serverTx, request, 200, "OK");
      return;
    case Method::Invite:
    case Method::Update:
      return answerOriginatedRefresh(serverTx, request, side);
    default:
      answer(serverTx, request, 501, "Not Implemented");
      return;
  }
}

// A re-INVITE or UPDATE from a party of an originated call. Most are session refreshes (RFC 4028:
// a phone whose 2xx set refresher=uas sends them even though we never asked for timers): without
// SDP, or with the SDP it sent last (the same o= line: nothing changed, RFC 3264 8), it gets our
// own last SDP back (as the offer in a 2xx to an offerless re-INVITE, whose ACK then answers with
// what it had) and the call goes on. A real change would need an offer/answer with the other leg,
// which is not built: refusing it keeps the current media (RFC 3261 14.2).
void ProxyCore::answerOriginatedRefresh(TransactionId serverTx, const SipMessage& request,
                                        DialogSide& side) {
  const bool offer = carriesSdp(request);
  if (offer && originLine(request.body()) != originLine(side.sdp)) {
    answer(serverTx, request, 488, "Not Acceptable Here");
    return;
  }
  auto ok = request.makeResponse(200, "OK");
  ok.appendHeader(HeaderId::Contact, "<" + ourContact(side.flow) + ">");
  const bool reinvite = request.method() == Method::Invite;
  if ((reinvite || offer) && !side.local->sdp.empty()) {
    ok.setBody(side.local->sdp, "application/sdp");
  }
  respond(serverTx, std::move(ok));
}

// Before the call is connected, hanging up cancels the INVITE that is out (its 487 ends the call).
bool ProxyCore::hangupOriginated(Dialog& dialog, const std::string& reason) {
  const auto found = originated_.find(dialog.id);
  if (found == originated_.end()) return false;
  auto& call = found->second;
  dialog.endReason = reason;
  const auto pending = call.step == OriginatedCall::Step::CallingA ? call.inviteA : call.inviteB;
  if (pending != 0 && transactions_.alive(pending)) {
    transactions_.cancel(pending);
  } else {
    originateFailed(call, dialog, call.step == OriginatedCall::Step::CallingA, 487);
  }
  return true;
}

void ProxyCore::forgetOriginated(std::uint64_t dialogId) {
  const auto found = originated_.find(dialogId);
  if (found == originated_.end()) return;
  timers_.cancel(found->second.ringTimer);
  originated_.erase(found);
}

// Timeout or transport failure of one of our INVITEs.
void ProxyCore::originateTransactionEnded(TransactionId clientTx, int status) {
  const auto owner = originateTx_.find(clientTx);
  if (owner == originateTx_.end()) return;
  const auto found = originated_.find(owner->second);
  Dialog* dialog = dialogs_.findById(owner->second);
  if (found == originated_.end() || dialog == nullptr) return;
  originateFailed(found->second, *dialog, clientTx == found->second.inviteA, status);
}

}  // namespace rtcgate::proxy
