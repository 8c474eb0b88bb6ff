#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>

#include "proxy/Dialog.hpp"
#include "proxy/DialogTracker.hpp"
#include "proxy/LocalIdentity.hpp"
#include "proxy/TransferUpdate.hpp"
#include "sip/SipMessage.hpp"
#include "transaction/TransactionLayer.hpp"

namespace rtcgate::proxy {

// Transfers of answered calls asked for through the API (RFC 3515; RFC 5589 6 blind, 7 attended
// with a Replaces in the Refer-To): a REFER to the transferee asks it to call the target; the
// NOTIFYs of the implicit subscription (message/sipfrag) say how that call goes. The REFER goes in
// the other side's name (CallManager::requestToward: its CSeq shift), or in ours toward a side
// whose user agent we are (a call placed through the API). The NOTIFYs are answered here and never
// reach the other side, which has no subscription. Each step is reported; a call has one transfer
// at a time. Client transactions carry `ownerTag`.
class CallTransfers {
 public:
  using Report = std::function<void(Dialog& dialog, const TransferUpdate& update)>;

  CallTransfers(DialogTracker& dialogs, const LocalIdentity& identity,
                transaction::TransactionLayer& transactions, std::uint64_t ownerTag, Report report);

  // Sends the REFER with `referTo` (the target, with its Replaces for an attended transfer);
  // `update` (target, transferee, replaces) is reported Requested at once. False with `why` when
  // it could not be built or sent (nothing else is reported then).
  bool start(Dialog& dialog, TransferUpdate update, const std::string& referTo, std::string& why);
  bool pending(std::uint64_t dialogId) const { return byDialog_.contains(dialogId); }
  // A final response (or 408 for a timeout, 503 for a transport failure) to one of our REFERs.
  void onFinal(transaction::TransactionId clientTx, int status);
  // A NOTIFY in `dialog` that reports on our transfer: of the refer package, from the transferee.
  bool reportsOnTransfer(const sip::SipMessage& request, const Dialog& dialog) const;
  // Such a NOTIFY, answered already: its status is reported, and a final one ends the transfer.
  void takeNotify(const sip::SipMessage& request, Dialog& dialog);
  // The call is over: its transfer goes, unreported.
  void forget(std::uint64_t dialogId);

 private:
  struct Transfer {
    TransferUpdate update;
    transaction::TransactionId refer = 0;  // while its response is awaited
  };
  void finish(Dialog& dialog, Transfer& transfer, TransferUpdate::State state, int status,
              std::string reason);

  DialogTracker& dialogs_;
  const LocalIdentity& identity_;
  transaction::TransactionLayer& transactions_;
  std::uint64_t ownerTag_;
  Report report_;
  std::unordered_map<std::uint64_t, Transfer> byDialog_;
  std::unordered_map<transaction::TransactionId, std::uint64_t> refers_;
};

}  // namespace rtcgate::proxy
