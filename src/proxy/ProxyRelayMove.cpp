// ProxyCore's calls that move to another relay when theirs dies (issue 14): the relay pool has
// forgotten the call, so an offer places it on a live relay; each side then gets a re-INVITE of
// ours with the new relay's SDP, the callee first, in the other side's name. The proxy is not
// the user agent of these dialogs, so the requests it sends in a side's name shift that side's
// later CSeqs (Dialog.hpp, DialogSide::cseqShift), which prepareForward and forwardStateless
// apply and onResponse takes back.
#include <spdlog/spdlog.h>

#include "base/SecureRandom.hpp"
#include "proxy/MessageParts.hpp"
#include "proxy/ProxyCore.hpp"

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

bool ProxyCore::moveToAnotherRelay(std::uint64_t dialogId) {
  Dialog* dialog = calls_.dialogs().findById(dialogId);
  if (dialog == nullptr || !calls_.media() || dialog->state != Dialog::State::Confirmed ||
      !dialog->anchored || relayMoves_.contains(dialogId)) {
    return false;
  }
  for (const DialogSide* side : {&dialog->caller, &dialog->callee}) {
    if (side->sdp.empty() || side->contact.empty() || side->nameAddr.empty()) return false;
  }
  spdlog::info("call {}: its relay is down: moving its media to another relay", dialog->callId);
  relayMoves_[dialogId] = RelayMove{.dialogId = dialogId};
  offerMove(dialogId);
  return true;
}

// This round's offer to the new relay: the SDP the other side sent last.
void ProxyCore::offerMove(std::uint64_t dialogId) {
  auto& move = relayMoves_.at(dialogId);
  Dialog& dialog = *calls_.dialogs().findById(dialogId);
  DialogSide& to = move.towardCallee ? dialog.callee : dialog.caller;
  DialogSide& from = dialog.otherSide(to.tag);
  // The offer is `from`'s SDP toward `to`'s leg.
  calls_.media()->offer(
      SdpExchange{
          dialog.callId,
          from.tag,
          to.tag,
          {},
          from.sdp,
          calls_.policy().settings(to.leg, from.leg, to.mediaInterface, from.mediaInterface)},
      [this, dialogId](MediaAnchor::SdpResult sdp) {
        Dialog* dialog = nullptr;
        RelayMove* move = ongoingMove(dialogId, dialog);
        if (move == nullptr) return;
        if (!sdp) {
          return moveFailed(dialogId,
                            std::string("the new relay refused the offer: ") + sdp.error().reason);
        }
        move->offer = std::move(*sdp);
        sendMoveReinvite(*move, *dialog);
      });
}

void ProxyCore::sendMoveReinvite(RelayMove& move, Dialog& dialog) {
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
  request.sdp = move.offer;
  if (to.local) to.local->sdp = move.offer;
  auto invite = SipMessage::parse(request.write());
  const auto dialogId = dialog.id;
  if (!invite)
    return moveFailed(dialogId, std::string("cannot build the re-INVITE: ") + invite.error());
  RelayMoveInvite record{.dialogId = dialogId, .flow = sendingFlow(to.flow)};
  const auto ackVia = identity_.via(to.flow, transactions_.newBranch());
  request.method = "ACK";
  request.via = ackVia;
  request.extraHeaders = {};
  request.sdp = {};
  record.ack = request.write();
  auto sent = transactions_.sendRequest(std::move(*invite), record.flow,
                                        tagOf(TransactionOwner::RelayMove));
  if (!sent)
    return moveFailed(dialogId, std::string("the re-INVITE was not sent: ") + sent.error());
  move.reinvite = *sent;
  moveInvites_[*sent] = std::move(record);
}

// A response to one of our re-INVITEs.
void ProxyCore::moveResponse(TransactionId clientTx, const SipMessage& response) {
  const auto invite = moveInvites_.find(clientTx);
  if (invite == moveInvites_.end()) return;
  const int status = response.statusCode();
  if (status < 200) return;
  const bool answered = status < 300;
  if (answered) send_(invite->second.flow, invite->second.ack);
  const auto dialogId = invite->second.dialogId;
  Dialog* dialog = nullptr;
  RelayMove* ongoing = ongoingMove(dialogId, dialog);
  // The call ended, or moved on: a 2xx retransmitted (our ACK was lost) needs only the ACK.
  if (ongoing == nullptr || ongoing->reinvite != clientTx) return;
  auto& move = *ongoing;
  move.reinvite = 0;
  if (answered) {
    moveAnswered(move, *dialog, response);
  } else if (status == 491 && move.glares < kGlareRetries) {
    ++move.glares;
    move.retryTimer = timers_.start(glareWait(), [this, dialogId] {
      Dialog* dialog = nullptr;
      if (RelayMove* again = ongoingMove(dialogId, dialog)) {
        again->retryTimer = 0;
        sendMoveReinvite(*again, *dialog);
      }
    });
  } else {
    moveFailed(dialogId, "the re-INVITE was answered " + std::to_string(status));
  }
}

// This side's answer goes to the new relay; then the other round, or the move is done.
void ProxyCore::moveAnswered(RelayMove& move, Dialog& dialog, const SipMessage& response) {
  DialogSide& to = move.towardCallee ? dialog.callee : dialog.caller;
  DialogSide& from = dialog.otherSide(to.tag);
  if (!carriesSdp(response)) return moveFailed(dialog.id, "the re-INVITE's 2xx has no SDP");
  to.sdp = std::string(response.body());
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
        RelayMove* move = ongoingMove(dialogId, dialog);
        if (move == nullptr) return;
        if (!sdp) {
          return moveFailed(dialogId,
                            std::string("the new relay refused the answer: ") + sdp.error().reason);
        }
        if (move->towardCallee) {
          move->towardCallee = false;
          move->glares = 0;
          return offerMove(dialogId);
        }
        ++stats_.relayMoves;
        spdlog::info("call {}: media moved to another relay, both sides re-INVITEd",
                     dialog->callId);
        forgetMove(dialogId);
      });
}

void ProxyCore::moveFailed(std::uint64_t dialogId, std::string_view why) {
  ++stats_.relayMovesFailed;
  Dialog* dialog = calls_.dialogs().findById(dialogId);
  forgetMove(dialogId);
  if (dialog == nullptr) return;
  spdlog::warn("call {}: cannot move its media to another relay ({}): ending it (relay-lost)",
               dialog->callId, why);
  calls_.hangup(dialogId, "relay-lost");
}

// The move of a call still in progress, and its call; nullptr once either is over.
RelayMove* ProxyCore::ongoingMove(std::uint64_t dialogId, Dialog*& dialog) {
  const auto found = relayMoves_.find(dialogId);
  dialog = calls_.dialogs().findById(dialogId);
  return found == relayMoves_.end() || dialog == nullptr ? nullptr : &found->second;
}

void ProxyCore::forgetMove(std::uint64_t dialogId) {
  const auto found = relayMoves_.find(dialogId);
  if (found == relayMoves_.end()) return;
  timers_.cancel(found->second.retryTimer);
  relayMoves_.erase(found);
}

// Timeout or transport failure of one of our re-INVITEs.
void ProxyCore::moveTransactionEnded(TransactionId clientTx, int status) {
  const auto invite = moveInvites_.find(clientTx);
  if (invite == moveInvites_.end()) return;
  const auto found = relayMoves_.find(invite->second.dialogId);
  if (found != relayMoves_.end() && found->second.reinvite == clientTx) {
    moveFailed(invite->second.dialogId,
               status == 408 ? "the re-INVITE timed out" : "the re-INVITE could not be delivered");
  }
}

// While we re-INVITE a side, its own offers would cross ours (RFC 3261 14.1).
bool ProxyCore::crossesRelayMove(const SipMessage& request) const {
  if (relayMoves_.empty()) return false;
  if (request.method() != Method::Invite && request.method() != Method::Update) return false;
  const Dialog* dialog = calls_.dialogs().find(request.callId());
  return dialog != nullptr && relayMoves_.contains(dialog->id);
}

// A request's or response's CSeq, with the method it had.
void ProxyCore::renumber(SipMessage& message, std::uint32_t cseq) {
  message.setHeader(HeaderId::CSeq,
                    std::to_string(cseq) + " " + std::string(message.cseqMethodText()));
}

}  // namespace rtcgate::proxy
