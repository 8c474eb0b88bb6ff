// ProxyCore's calls whose media it renegotiates itself (Renegotiation.hpp): a call that moves to
// another relay when its own dies (the relay pool has forgotten the call, so an offer places it on
// a live relay), and a call held or resumed through the API. Each side gets a re-INVITE of ours
// with the relay's SDP, the callee first, in the other side's name. The proxy is not the user
// agent of these dialogs, so the requests it sends in a side's name shift that side's later CSeqs
// (Dialog.hpp, DialogSide::cseqShift), which prepareForward and forwardStateless apply and
// onResponse takes back.
#include <spdlog/spdlog.h>

#include "base/SecureRandom.hpp"
#include "proxy/MessageParts.hpp"
#include "proxy/ProxyCore.hpp"
#include "sdp/SdpDirection.hpp"

namespace rtcgate::proxy {

using sip::HeaderId;
using sip::Method;
using sip::SipMessage;
using transaction::TransactionId;

namespace {

// A re-INVITE refused for glare (491) is tried again after 2.1 to 4 s (RFC 3261 14.1), twice.
constexpr unsigned kGlareRetries = 2;

Duration glareWait() { return std::chrono::milliseconds(2100 + SecureRandom::next64() % 1900); }

}  // namespace

// What a renegotiation needs: an answered call through the relay whose sides' SDPs, contacts and
// dialog identities are known, and no other renegotiation under way.
bool ProxyCore::renegotiable(const Dialog& dialog) const {
  if (!calls_.hasMedia() || dialog.state != Dialog::State::Confirmed || !dialog.anchored ||
      renegotiations_.contains(dialog.id)) {
    return false;
  }
  for (const DialogSide* side : {&dialog.caller, &dialog.callee}) {
    if (side->sdp.empty() || side->contact.empty() || side->nameAddr.empty()) return false;
  }
  return true;
}

bool ProxyCore::moveToAnotherRelay(std::uint64_t dialogId) {
  Dialog* dialog = calls_.dialogs().findById(dialogId);
  if (dialog == nullptr || !renegotiable(*dialog)) return false;
  spdlog::info("call {}: its relay is down: moving its media to another relay", dialog->callId);
  renegotiations_[dialogId] =
      Renegotiation{.dialogId = dialogId, .purpose = Renegotiation::Purpose::MoveRelay};
  offerRound(dialogId);
  return true;
}

ProxyCore::HoldOutcome ProxyCore::hold(std::uint64_t dialogId, bool held) {
  Dialog* dialog = calls_.dialogs().findById(dialogId);
  if (dialog == nullptr) return HoldOutcome::NoSuchCall;
  if (renegotiations_.contains(dialogId)) return HoldOutcome::Busy;
  if (!renegotiable(*dialog)) return HoldOutcome::NotPossible;
  if (dialog->onHold == held) return HoldOutcome::Unchanged;
  spdlog::info("call {}: {} through the API: re-INVITEs to both sides", dialog->callId,
               held ? "held" : "resumed");
  using Purpose = Renegotiation::Purpose;
  renegotiations_[dialogId] =
      Renegotiation{.dialogId = dialogId, .purpose = held ? Purpose::Hold : Purpose::Resume};
  offerRound(dialogId);
  return HoldOutcome::Started;
}

bool ProxyCore::passOffer(transaction::TransactionId serverTx, const SipMessage& request,
                          Dialog& dialog, DialogSide& offerer) {
  if (!renegotiable(dialog)) return false;
  offerer.sdp = std::string(request.body());
  offerer.formats = sdp::AudioFormats::parse(offerer.sdp);
  spdlog::info("call {}: new offer from {} ({}): passing it on to the other side", dialog.callId,
               offerer.uri, request.methodText());
  Renegotiation round{.dialogId = dialog.id,
                      .purpose = Renegotiation::Purpose::PassOffer,
                      .towardCallee = &offerer == &dialog.caller};
  round.offerTx = serverTx;
  round.offerAnswered = std::make_shared<SipMessage>(request.makeResponse(200, "OK"));
  round.offerRefused =
      std::make_shared<SipMessage>(request.makeResponse(488, "Not Acceptable Here"));
  renegotiations_[dialog.id] = std::move(round);
  offerRound(dialog.id);
  return true;
}

// The other side's answer, through the relay, answers the offerer: the round is over.
void ProxyCore::answerPassedOffer(const Renegotiation& round, Dialog& dialog, std::string sdp) {
  DialogSide& offerer = round.towardCallee ? dialog.caller : dialog.callee;
  SipMessage& ok = *round.offerAnswered;
  ok.appendHeader(HeaderId::Contact, "<" + identity_.contact(offerer.flow) + ">");
  ok.setBody(sdp, "application/sdp");
  if (offerer.local) offerer.local->sdp = std::move(sdp);
  respond(round.offerTx, std::move(ok));
  spdlog::info("call {}: the new offer of {} was answered", dialog.callId, offerer.uri);
  forgetRenegotiation(dialog.id);
  const bool held = offersHold(offerer.sdp);
  if (held != dialog.onHold) {
    dialog.onHold = held;
    calls_.callEvent(held ? CallEvent::Held : CallEvent::Resumed, dialog);
  }
}

// The SDP a round offers the relay: the other side's last one, for a hold with every stream
// inactive, for a resume sending and receiving again (one version above the hold's).
std::optional<std::string> ProxyCore::roundOffer(const Renegotiation& round,
                                                 const DialogSide& from) {
  switch (round.purpose) {
    case Renegotiation::Purpose::MoveRelay:
    case Renegotiation::Purpose::PassOffer:
      return from.sdp;
    case Renegotiation::Purpose::Hold:
    case Renegotiation::Purpose::Resume: {
      const bool held = round.purpose == Renegotiation::Purpose::Hold;
      auto sdp = sdp::withDirection(from.sdp, held ? "inactive" : "sendrecv", held ? 1 : 2);
      if (!sdp) return std::nullopt;
      return std::move(*sdp);
    }
  }
  return std::nullopt;
}

// This round's offer to the new relay: the SDP the other side sent last.
void ProxyCore::offerRound(std::uint64_t dialogId) {
  auto& move = renegotiations_.at(dialogId);
  Dialog& dialog = *calls_.dialogs().findById(dialogId);
  DialogSide& to = move.towardCallee ? dialog.callee : dialog.caller;
  DialogSide& from = dialog.otherSide(to.tag);
  auto offer = roundOffer(move, from);
  if (!offer) return renegotiationFailed(dialogId, "the other side's last SDP does not parse");
  // The offer is `from`'s SDP toward `to`'s leg.
  calls_.media()->offer(
      SdpExchange{
          dialog.callId,
          from.tag,
          to.tag,
          {},
          std::move(*offer),
          calls_.policy().settings(to.leg, from.leg, to.mediaInterface, from.mediaInterface)},
      [this, dialogId](MediaAnchor::SdpResult sdp) {
        Dialog* dialog = nullptr;
        Renegotiation* move = ongoingRenegotiation(dialogId, dialog);
        if (move == nullptr) return;
        if (!sdp) {
          return renegotiationFailed(
              dialogId, std::string("the relay refused the offer: ") + sdp.error().reason);
        }
        move->offer = std::move(*sdp);
        sendRoundReinvite(*move, *dialog);
      });
}

void ProxyCore::sendRoundReinvite(Renegotiation& move, Dialog& dialog) {
  DialogSide& to = move.towardCallee ? dialog.callee : dialog.caller;
  DialogSide& from = dialog.otherSide(to.tag);
  auto request = CallManager::requestToward(dialog, to, from, "INVITE");
  // The other side's own Contact: a Contact of ours would make us this side's remote target.
  const std::string contact = "Contact: <" +
                              (to.local ? identity_.contact(to.flow) : from.contact) +
                              ">\r\nAllow: INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE\r\n";
  const auto via = identity_.via(to.flow, transactions_.newBranch());
  request.via = via;
  request.extraHeaders = contact;
  request.body = move.offer;
  if (to.local) to.local->sdp = move.offer;
  auto invite = SipMessage::parse(request.write());
  const auto dialogId = dialog.id;
  if (!invite)
    return renegotiationFailed(dialogId,
                               std::string("cannot build the re-INVITE: ") + invite.error());
  RenegotiationInvite record{.dialogId = dialogId, .flow = sendingFlow(to.flow)};
  const auto ackVia = identity_.via(to.flow, transactions_.newBranch());
  request.method = "ACK";
  request.via = ackVia;
  request.extraHeaders = {};
  request.body = {};
  record.ack = request.write();
  auto sent = transactions_.sendRequest(std::move(*invite), record.flow,
                                        tagOf(TransactionOwner::Renegotiation));
  if (!sent)
    return renegotiationFailed(dialogId,
                               std::string("the re-INVITE was not sent: ") + sent.error());
  move.reinvite = *sent;
  renegotiationInvites_[*sent] = std::move(record);
}

// A response to one of our re-INVITEs.
void ProxyCore::renegotiationResponse(TransactionId clientTx, const SipMessage& response) {
  const auto invite = renegotiationInvites_.find(clientTx);
  if (invite == renegotiationInvites_.end()) return;
  const int status = response.statusCode();
  if (status < 200) return;
  const bool answered = status < 300;
  if (answered) send_(invite->second.flow, invite->second.ack);
  const auto dialogId = invite->second.dialogId;
  Dialog* dialog = nullptr;
  Renegotiation* ongoing = ongoingRenegotiation(dialogId, dialog);
  // The call ended, or moved on: a 2xx retransmitted (our ACK was lost) needs only the ACK.
  if (ongoing == nullptr || ongoing->reinvite != clientTx) return;
  auto& move = *ongoing;
  move.reinvite = 0;
  if (answered) {
    roundAnswered(move, *dialog, response);
  } else if (status == 491 && move.glares < kGlareRetries) {
    ++move.glares;
    move.retryTimer = timers_.start(glareWait(), [this, dialogId] {
      Dialog* dialog = nullptr;
      if (Renegotiation* again = ongoingRenegotiation(dialogId, dialog)) {
        again->retryTimer = 0;
        sendRoundReinvite(*again, *dialog);
      }
    });
  } else {
    renegotiationFailed(dialogId, "the re-INVITE was answered " + std::to_string(status));
  }
}

// This side's answer goes to the new relay; then the other round, or the move is done.
void ProxyCore::roundAnswered(Renegotiation& move, Dialog& dialog, const SipMessage& response) {
  DialogSide& to = move.towardCallee ? dialog.callee : dialog.caller;
  DialogSide& from = dialog.otherSide(to.tag);
  if (!carriesSdp(response))
    return renegotiationFailed(dialog.id, "the re-INVITE's 2xx has no SDP");
  to.sdp = std::string(response.body());
  to.formats = sdp::AudioFormats::parse(to.sdp);
  const auto dialogId = dialog.id;
  // The answer is `to`'s SDP toward `from`'s leg; the tags stay the offer's.
  calls_.media()->answer(
      SdpExchange{
          dialog.callId,
          from.tag,
          to.tag,
          {},
          to.sdp,
          calls_.policy().settings(from.leg, to.leg, from.mediaInterface, to.mediaInterface)},
      [this, dialogId](MediaAnchor::SdpResult sdp) {
        Dialog* dialog = nullptr;
        Renegotiation* move = ongoingRenegotiation(dialogId, dialog);
        if (move == nullptr) return;
        if (!sdp) {
          return renegotiationFailed(
              dialogId, std::string("the relay refused the answer: ") + sdp.error().reason);
        }
        if (move->purpose == Renegotiation::Purpose::PassOffer) {
          return answerPassedOffer(*move, *dialog, std::move(*sdp));
        }
        if (move->towardCallee) {
          move->towardCallee = false;
          move->glares = 0;
          return offerRound(dialogId);
        }
        renegotiated(*move, *dialog);
      });
}

// Both sides answered.
void ProxyCore::renegotiated(const Renegotiation& done, Dialog& dialog) {
  const auto purpose = done.purpose;
  forgetRenegotiation(dialog.id);
  if (purpose == Renegotiation::Purpose::MoveRelay) {
    ++stats_.relayMoves;
    spdlog::info("call {}: media moved to another relay, both sides re-INVITEd", dialog.callId);
    return;
  }
  const bool held = purpose == Renegotiation::Purpose::Hold;
  ++stats_.holds;
  dialog.onHold = held;
  spdlog::info("call {}: {}, both sides re-INVITEd", dialog.callId, held ? "on hold" : "resumed");
  calls_.callEvent(held ? CallEvent::Held : CallEvent::Resumed, dialog);
}

void ProxyCore::renegotiationFailed(std::uint64_t dialogId, std::string_view why) {
  Dialog* dialog = calls_.dialogs().findById(dialogId);
  const auto found = renegotiations_.find(dialogId);
  const bool move =
      found == renegotiations_.end() || found->second.purpose == Renegotiation::Purpose::MoveRelay;
  if (found != renegotiations_.end() && found->second.offerRefused) {
    // The offerer's media stays as it was (RFC 3261 14.2); not an API hold, so not counted as one.
    respond(found->second.offerTx, std::move(*found->second.offerRefused));
    forgetRenegotiation(dialogId);
    if (dialog != nullptr) {
      spdlog::warn("call {}: a party's new offer could not be passed on ({}): answered 488",
                   dialog->callId, why);
    }
    return;
  }
  forgetRenegotiation(dialogId);
  if (!move) {
    // The call goes on; a side that answered the first round may be held alone.
    ++stats_.holdsFailed;
    if (dialog != nullptr) {
      spdlog::warn("call {}: hold or resume through the API failed ({})", dialog->callId, why);
    }
    return;
  }
  ++stats_.relayMovesFailed;
  if (dialog == nullptr) return;
  spdlog::warn("call {}: cannot move its media to another relay ({}): ending it (relay-lost)",
               dialog->callId, why);
  calls_.hangup(dialogId, "relay-lost");
}

// The move of a call still in progress, and its call; nullptr once either is over.
Renegotiation* ProxyCore::ongoingRenegotiation(std::uint64_t dialogId, Dialog*& dialog) {
  const auto found = renegotiations_.find(dialogId);
  dialog = calls_.dialogs().findById(dialogId);
  return found == renegotiations_.end() || dialog == nullptr ? nullptr : &found->second;
}

void ProxyCore::forgetRenegotiation(std::uint64_t dialogId) {
  const auto found = renegotiations_.find(dialogId);
  if (found == renegotiations_.end()) return;
  timers_.cancel(found->second.retryTimer);
  renegotiations_.erase(found);
}

// Timeout or transport failure of one of our re-INVITEs.
void ProxyCore::renegotiationTransactionEnded(TransactionId clientTx, int status) {
  const auto invite = renegotiationInvites_.find(clientTx);
  if (invite == renegotiationInvites_.end()) return;
  const auto found = renegotiations_.find(invite->second.dialogId);
  if (found != renegotiations_.end() && found->second.reinvite == clientTx) {
    renegotiationFailed(invite->second.dialogId, status == 408
                                                     ? "the re-INVITE timed out"
                                                     : "the re-INVITE could not be delivered");
  }
}

// While we re-INVITE a side, its own offers would cross ours (RFC 3261 14.1).
bool ProxyCore::crossesRenegotiation(const SipMessage& request) const {
  if (renegotiations_.empty()) return false;
  if (request.method() != Method::Invite && request.method() != Method::Update) return false;
  const Dialog* dialog = calls_.dialogs().find(request.callId());
  return dialog != nullptr && renegotiations_.contains(dialog->id);
}

// A request's or response's CSeq, with the method it had.
void ProxyCore::renumber(SipMessage& message, std::uint32_t cseq) {
  message.setHeader(HeaderId::CSeq,
                    std::to_string(cseq) + " " + std::string(message.cseqMethodText()));
}

}  // namespace rtcgate::proxy
