#pragma once

#include <cstdint>

#include "sip/SipMessage.hpp"
#include "sip/Transport.hpp"

namespace rtcgate::transaction {

// A transaction handle. Ids are never reused during a layer's lifetime and 0 is never valid, so a
// TU may keep an id after the transaction ended: calls on it are harmless no-ops.
using TransactionId = std::uint64_t;

// The layer above the transactions (the proxy core): what the transaction layer tells it. All calls
// come from inside a TransactionLayer entry point on the signalling thread; the TU may call back
// into the layer from any of them (respond, sendRequest, cancel).
class TransactionUser {
 public:
  virtual ~TransactionUser() = default;

  // A new request created server transaction `serverTx` (never ACK or CANCEL). For INVITE the
  // layer has already sent "100 Trying".
  virtual void onRequest(TransactionId serverTx, sip::SipMessage&& request,
                         const sip::Flow& flow) = 0;
  // An ACK that belongs to no transaction in a state that absorbs it: the end-to-end ACK for a
  // 2xx (RFC 3261 17.2.3), to be routed like any in-dialog request, statelessly.
  virtual void onAck(sip::SipMessage&& ack, const sip::Flow& flow) = 0;
  // A CANCEL created its own server transaction `cancelTx`. `inviteTx` is the INVITE server
  // transaction it cancels, or 0 when none matches (the TU answers 481 then, else 200 and cancels
  // its branches; RFC 3261 9.2, 16.10).
  virtual void onCancel(TransactionId cancelTx, TransactionId inviteTx, sip::SipMessage&& cancel,
                        const sip::Flow& flow) = 0;
  // A response for client transaction `clientTx`: every 1xx, the first final, and for INVITE every
  // 2xx (retransmissions and other forks included, a proxy must forward each; RFC 6026).
  virtual void onResponse(TransactionId clientTx, sip::SipMessage&& response,
                          const sip::Flow& flow) = 0;
  // A response that matches no client transaction (e.g. a 2xx retransmitted after the INVITE
  // transaction ended): a proxy forwards it statelessly (RFC 3261 16.7 step 10 / 16.11).
  virtual void onStrayResponse(sip::SipMessage&& response, const sip::Flow& flow) = 0;
  // Timer B or F fired without a final response (or 64*T1 passed after a CANCEL without one).
  // The TU synthesizes the 408 itself.
  virtual void onTimeout(TransactionId clientTx) = 0;
  // Sending a retransmission, ACK or CANCEL of `clientTx` failed; the transaction has ended. The TU
  // treats it as a 503 (RFC 3261 8.1.3.1).
  virtual void onTransportError(TransactionId clientTx) = 0;

  // Timer H fired: an INVITE server transaction never got the ACK for its non-2xx final.
  virtual void onAckTimeout(TransactionId /*serverTx*/) {}
  // The transaction is gone (any side, any reason); a TU drops what it attached to the id here.
  // `userData` is what the TU attached with sendRequest or setUserData.
  virtual void onTerminated(TransactionId /*tx*/, std::uint64_t /*userData*/) {}
};

}  // namespace rtcgate::transaction
