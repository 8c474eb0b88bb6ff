// ProxyCore's transfers (CallTransfers), blind or attended: started through the API, reported as
// call.transfer events, and, once the transferee reached the target, the end of the call: a BYE
// to both sides, as the transferor would send it (RFC 5589 6).
#include <spdlog/spdlog.h>

#include <cctype>
#include <string_view>

#include "proxy/ProxyCore.hpp"
#include "sip/NameAddr.hpp"

namespace rtcgate::proxy {

using sip::SipMessage;
using transaction::TransactionId;

namespace {

// A URI header's value (RFC 3261 19.1.1: `hvalue`), every byte but the unreserved ones escaped,
// so that a Replaces value (its ';' and '=') stays one header of the Refer-To URI.
std::string escapeHeaderValue(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) != 0 || c == '-' || c == '_' || c == '.' || c == '!' || c == '~' ||
        c == '*' || c == '\'' || c == '(' || c == ')') {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    }
  }
  return out;
}

// Our tag in a leg we are the user agent of.
std::string localTag(const DialogSide& side) {
  if (!side.local) return {};
  const auto ours = sip::parseNameAddr(side.local->nameAddr);
  return ours ? std::string(ours->tag()) : std::string();
}

}  // namespace

ProxyCore::TransferRefusal ProxyCore::transfer(std::uint64_t dialogId, bool transfereeIsCaller,
                                               const std::string& target, std::string& why) {
  return startTransfer(calls_.dialogs().findById(dialogId),
                       TransferUpdate{.target = target, .transfereeIsCaller = transfereeIsCaller},
                       target, why);
}

ProxyCore::TransferRefusal ProxyCore::transferReplacing(std::uint64_t dialogId,
                                                        bool transfereeIsCaller,
                                                        std::uint64_t replacesId,
                                                        std::optional<bool> targetIsCallee,
                                                        std::string& why) {
  Dialog* dialog = calls_.dialogs().findById(dialogId);
  if (dialog == nullptr) return TransferRefusal::NoSuchCall;
  Dialog* other = calls_.dialogs().findById(replacesId);
  if (other == nullptr || replacesId == dialogId || other->state != Dialog::State::Confirmed) {
    why = "call " + std::to_string(replacesId) + " is not another answered call";
    return TransferRefusal::BadReplaces;
  }
  const std::string& transferor = transfereeIsCaller ? dialog->callee.uri : dialog->caller.uri;
  if (!targetIsCallee) {
    if (other->caller.uri == transferor && other->callee.uri != transferor) {
      targetIsCallee = true;
    } else if (other->callee.uri == transferor && other->caller.uri != transferor) {
      targetIsCallee = false;
    } else {
      why = "neither party of call " + std::to_string(replacesId) + " alone is the transferor " +
            transferor + ": say which is the target";
      return TransferRefusal::BadReplaces;
    }
  }
  const DialogSide& target = *targetIsCallee ? other->callee : other->caller;
  const DialogSide& peer = other->otherSide(target.tag);
  // The dialog as the target knows it (RFC 3891 3): its Call-ID, its own tag, the far tag.
  const std::string callId = target.local ? target.local->callId : other->callId;
  const std::string farTag = target.local ? localTag(target) : peer.tag;
  if (target.uri.empty() || target.uri.find('?') != std::string::npos || farTag.empty()) {
    why = "the target of call " + std::to_string(replacesId) + " cannot be named in a Refer-To";
    return TransferRefusal::BadReplaces;
  }
  const std::string referTo =
      target.uri +
      "?Replaces=" + escapeHeaderValue(callId + ";to-tag=" + target.tag + ";from-tag=" + farTag);
  return startTransfer(
      dialog,
      TransferUpdate{
          .target = target.uri, .transfereeIsCaller = transfereeIsCaller, .replaces = replacesId},
      referTo, why);
}

ProxyCore::TransferRefusal ProxyCore::startTransfer(Dialog* dialog, TransferUpdate update,
                                                    const std::string& referTo, std::string& why) {
  if (dialog == nullptr) return TransferRefusal::NoSuchCall;
  const DialogSide& transferee = update.transfereeIsCaller ? dialog->caller : dialog->callee;
  if (dialog->state != Dialog::State::Confirmed || transferee.contact.empty() ||
      transferee.nameAddr.empty()) {
    return TransferRefusal::NotAnswered;
  }
  if (transfers_.pending(dialog->id)) return TransferRefusal::Busy;
  const std::string target = update.target;
  if (!transfers_.start(*dialog, std::move(update), referTo, why)) {
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
