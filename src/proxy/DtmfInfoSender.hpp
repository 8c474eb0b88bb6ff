#pragma once

#include <cstdint>
#include <deque>
#include <unordered_map>

#include "proxy/Dialog.hpp"
#include "proxy/DialogTracker.hpp"
#include "proxy/LocalIdentity.hpp"
#include "transaction/TransactionLayer.hpp"

namespace rtcgate::proxy {

// Digits we send into calls as SIP INFO (RFC 6086, application/dtmf-relay): RFC 4733 events of
// one side toward a side that takes INFO, and the API's digits toward a side without
// telephone-event. A side has one INFO of ours out at a time, the next digit leaving when the
// last is answered, so digits arrive in order and a burst ("1234#") cannot overlap itself. Sent
// in the other side's name (CallManager::requestToward: its CSeq shift), or in ours toward a side
// whose user agent we are. Its client transactions carry `ownerTag`.
class DtmfInfoSender {
 public:
  // `failures` counts the INFOs answered with a failure, timed out or never sent.
  DtmfInfoSender(DialogTracker& dialogs, const LocalIdentity& identity,
                 transaction::TransactionLayer& transactions, std::uint64_t ownerTag,
                 std::uint64_t& failures);

  // Queues `digit` for the caller (toCaller) or the callee of an answered call.
  void send(Dialog& dialog, bool toCaller, char digit, std::uint32_t durationMs);
  // A final response (or 408 for a timeout, 503 for a transport failure) to one of our INFOs.
  void onFinal(transaction::TransactionId clientTx, int status);
  // The call is over: its queued digits go.
  void forget(std::uint64_t dialogId);

 private:
  struct Digit {
    char digit;
    std::uint32_t durationMs;
  };
  struct Queue {
    std::deque<Digit> digits;
    transaction::TransactionId inFlight = 0;
  };
  static std::uint64_t keyOf(std::uint64_t dialogId, bool toCaller) {
    return dialogId * 2 + (toCaller ? 1 : 0);
  }
  void sendNext(std::uint64_t key);

  DialogTracker& dialogs_;
  const LocalIdentity& identity_;
  transaction::TransactionLayer& transactions_;
  std::uint64_t ownerTag_;
  std::unordered_map<std::uint64_t, Queue> queues_;
  std::unordered_map<transaction::TransactionId, std::uint64_t> inFlight_;
  std::uint64_t& failures_;
};

}  // namespace rtcgate::proxy
