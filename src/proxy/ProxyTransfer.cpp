// ProxyCore's blind transfers (BlindTransfers): started through the API, reported as
// call.transfer events, and, once the transferee reached the target, the end of the call: a BYE
// to both sides, as the transferor would send it (RFC 5589 6).
#include <spdlog/spdlog.h>

#include "proxy/ProxyCore.hpp"

namespace rtcgate::proxy {

using sip::SipMessage;
using transaction::TransactionId;

ProxyCore::TransferRefusal ProxyCore::transfer(std::uint64_t dialogId, bool transfereeIsCaller,
                                               const std::string& target, std::string& why) {
  Dialog* dialog = calls_.dialogs().findById(dialogId);
  if (dialog == nullptr) return TransferRefusal::NoSuchCall;
  const DialogSide& transferee = transfereeIsCaller ? dialog->caller : dialog->callee;
  if (dialog->state != Dialog::State::Confirmed || transferee.contact.empty() ||
      transferee.nameAddr.empty()) {
    return TransferRefusal::NotAnswered;
  }
  if (transfers_.pending(dialogId)) return TransferRefusal::Busy;
  if (!transfers_.start(*dialog, transfereeIsCaller, target, why)) {
    spdlog::warn("call {}: transfer to {} not started: {}", dialog->callId, target, why);
    return TransferRefusal::NotSent;
  }
  return TransferRefusal::None;
}

bool ProxyCore::takeTransferNotify(TransactionId serverTx, const SipMessage& request,
                                   Dialog& dialog) {
  if (!transfers_.reportsOnTransfer(request, dialog)) return false;
  // Answered before it is taken: a completed transfer's BYEs follow the 200.
  respond(serverTx, request.makeResponse(200, "OK"));
  transfers_.takeNotify(request, dialog);
  return true;
}

void ProxyCore::transferReport(Dialog& dialog, const TransferUpdate& update) {
  using State = TransferUpdate::State;
  const auto state = TransferUpdate::stateName(update.state);
  if (update.state == State::Failed) {
    spdlog::info("call {}: transfer to {} failed ({}): {}", dialog.callId, update.target,
                 update.status, update.reason);
  } else if (update.status == 0) {
    spdlog::info("call {}: transfer to {}: {}", dialog.callId, update.target, state);
  } else {
    spdlog::info("call {}: transfer to {}: {} ({})", dialog.callId, update.target, state,
                 update.status);
  }
  if (update.state == State::Requested) ++stats_.transfers;
  if (update.state == State::Completed) ++stats_.transfersCompleted;
  if (update.state == State::Failed) ++stats_.transfersFailed;
  calls_.transferEvent(dialog, update);
  if (update.state == State::Completed) calls_.hangup(dialog.id, "transferred");
}

}  // namespace rtcgate::proxy
