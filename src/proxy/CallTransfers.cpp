#include "proxy/CallTransfers.hpp"

#include <spdlog/spdlog.h>

#include "base/AsciiCase.hpp"
#include "proxy/CallManager.hpp"
#include "proxy/UacRequest.hpp"
#include "sip/SipFragStatus.hpp"

namespace rtcgate::proxy {

using sip::HeaderId;
using transaction::TransactionId;
using State = TransferUpdate::State;

namespace {

// The event package of a NOTIFY ("refer;id=7" -> "refer").
std::string_view eventPackage(const sip::SipMessage& request) {
  const auto* event = request.find(HeaderId::Event);
  if (event == nullptr) return {};
  auto value = event->value.substr(0, event->value.find(';'));
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  return value;
}

bool subscriptionTerminated(const sip::SipMessage& request) {
  const auto* state = request.find("Subscription-State");
  return state != nullptr && state->value.size() >= 10 &&
         equalsIgnoringCase(state->value.substr(0, 10), "terminated");
}

}  // namespace

CallTransfers::CallTransfers(DialogTracker& dialogs, const LocalIdentity& identity,
                             transaction::TransactionLayer& transactions, std::uint64_t ownerTag,
                             Report report)
    : dialogs_(dialogs),
      identity_(identity),
      transactions_(transactions),
      ownerTag_(ownerTag),
      report_(std::move(report)) {}

bool CallTransfers::start(Dialog& dialog, TransferUpdate update, const std::string& referTo,
                          std::string& why) {
  DialogSide& to = update.transfereeIsCaller ? dialog.caller : dialog.callee;
  DialogSide& from = dialog.otherSide(to.tag);
  auto request = CallManager::requestToward(dialog, to, from, "REFER");
  const auto via = identity_.via(to.flow, transactions_.newBranch());
  // Contact as for our re-INVITEs: the other side's own, or ours where we are the user agent.
  const std::string headers = "Refer-To: <" + referTo + ">\r\nReferred-By: <" + from.uri +
                              ">\r\nContact: <" +
                              (to.local ? identity_.contact(to.flow) : from.contact) + ">\r\n";
  request.via = via;
  request.extraHeaders = headers;
  auto refer = sip::SipMessage::parse(request.write());
  if (!refer) {
    why = "cannot build the REFER: " + std::string(refer.error());
    return false;
  }
  auto sent = transactions_.sendRequest(std::move(*refer), sendingFlow(to.flow), ownerTag_);
  if (!sent) {
    why = "the REFER was not sent: " + std::string(sent.error());
    return false;
  }
  update.state = TransferUpdate::State::Requested;
  Transfer transfer{.update = std::move(update), .refer = *sent};
  refers_[*sent] = dialog.id;
  byDialog_[dialog.id] = transfer;
  spdlog::info("call {}: REFER to {}: asked to call {}", dialog.callId, to.uri, referTo);
  report_(dialog, transfer.update);
  return true;
}

void CallTransfers::onFinal(TransactionId clientTx, int status) {
  const auto found = refers_.find(clientTx);
  if (found == refers_.end()) return;
  const auto dialogId = found->second;
  refers_.erase(found);
  const auto transfer = byDialog_.find(dialogId);
  Dialog* dialog = dialogs_.findById(dialogId);
  if (transfer == byDialog_.end() || transfer->second.refer != clientTx || dialog == nullptr) {
    return;
  }
  transfer->second.refer = 0;
  if (status >= 300) {
    return finish(*dialog, transfer->second, State::Failed, status,
                  status == 408 ? "the transferee did not answer the REFER"
                                : "the transferee refused the REFER");
  }
  // The subscription's NOTIFY may have overtaken the 202: do not step back to Accepted.
  if (transfer->second.update.state != State::Requested) return;
  transfer->second.update.state = State::Accepted;
  transfer->second.update.status = status;
  report_(*dialog, transfer->second.update);
}

bool CallTransfers::reportsOnTransfer(const sip::SipMessage& request, const Dialog& dialog) const {
  const auto found = byDialog_.find(dialog.id);
  if (found == byDialog_.end() || !equalsIgnoringCase(eventPackage(request), "refer")) {
    return false;
  }
  const bool fromCaller = found->second.update.transfereeIsCaller;
  return request.fromTag() == (fromCaller ? dialog.caller.tag : dialog.callee.tag);
}

void CallTransfers::takeNotify(const sip::SipMessage& request, Dialog& dialog) {
  const auto found = byDialog_.find(dialog.id);
  if (found == byDialog_.end()) return;
  Transfer& transfer = found->second;
  const auto status = sip::sipFragStatus(request.body());
  if (status && *status >= 200) {
    if (*status < 300) {
      finish(dialog, transfer, State::Completed, *status, {});
    } else {
      finish(dialog, transfer, State::Failed, *status, "the target did not take the call");
    }
  } else if (subscriptionTerminated(request)) {
    finish(dialog, transfer, State::Failed, status.value_or(0),
           "the transferee ended the subscription without a final status");
  } else if (status && *status != transfer.update.status) {
    transfer.update.state = State::Progress;
    transfer.update.status = *status;
    report_(dialog, transfer.update);
  }
}

// The transfer is forgotten before it is reported: a completed transfer's report ends the call.
void CallTransfers::finish(Dialog& dialog, Transfer& transfer, State state, int status,
                           std::string reason) {
  TransferUpdate update = std::move(transfer.update);
  if (transfer.refer != 0) refers_.erase(transfer.refer);
  byDialog_.erase(dialog.id);
  update.state = state;
  update.status = status;
  update.reason = std::move(reason);
  report_(dialog, update);
}

void CallTransfers::forget(std::uint64_t dialogId) {
  const auto found = byDialog_.find(dialogId);
  if (found == byDialog_.end()) return;
  if (found->second.refer != 0) refers_.erase(found->second.refer);
  byDialog_.erase(found);
}

}  // namespace rtcgate::proxy
