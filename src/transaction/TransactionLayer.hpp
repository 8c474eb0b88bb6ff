#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "base/Result.hpp"
#include "base/Timers.hpp"
#include "sip/SipMessage.hpp"
#include "sip/Transport.hpp"
#include "transaction/ClientTransaction.hpp"
#include "transaction/ServerTransaction.hpp"
#include "transaction/TimerValues.hpp"
#include "transaction/TransactionContext.hpp"
#include "transaction/TransactionKey.hpp"
#include "transaction/TransactionStats.hpp"
#include "transaction/TransactionUser.hpp"

namespace rtcgate::transaction {

// The SIP transaction layer (RFC 3261 17): matches requests and responses to transactions, runs
// their state machines and timers, and reports to the TransactionUser. It owns no socket and reads
// no clock: messages come in through receive*(), bytes go out through the SendFunction, time comes
// from Timers. Single-threaded: every call, and every timer callback, on the signalling loop.
//
// Lifetime: transactions end on their own (terminal timers, timeouts, transport errors); the TU
// learns it through onTerminated(). Calls with an id that has ended are no-ops.
class TransactionLayer {
 public:
  TransactionLayer(Timers& timers, SendFunction send, TransactionUser& user,
                   TimerValues values = {});
  ~TransactionLayer();
  TransactionLayer(const TransactionLayer&) = delete;
  TransactionLayer& operator=(const TransactionLayer&) = delete;

  // --- from the transports ---
  // A parsed request received on `flow`: matched to a server transaction (absorbed or answered
  // from it), or a new transaction for the TU; ACK and CANCEL as described in TransactionUser.
  void receiveRequest(sip::SipMessage&& request, const sip::Flow& flow);
  // A parsed response: to its client transaction, or to onStrayResponse.
  void receiveResponse(sip::SipMessage&& response, const sip::Flow& flow);

  // --- from the TU, server side ---
  // Sends a response on a server transaction (RFC 3261 18.2.2 routing, see responseFlow()).
  // False when the transaction is gone, its state refuses the response or the send failed.
  bool respond(TransactionId serverTx, sip::SipMessage&& response);
  // Ends a server transaction without a response, so that the next request with its key starts
  // afresh: for a request the TU refused as not coming from where it claims (a forged CANCEL
  // must not absorb the real one as its retransmission).
  void discard(TransactionId serverTx);

  // --- from the TU, client side ---
  // Starts a client transaction for `request`, whose top Via the TU has already pushed with a
  // branch from newBranch(). Fails (and no transaction exists) for an ACK, a branch without the
  // RFC 3261 magic cookie, a branch already in use, or when the first send fails.
  Result<TransactionId> sendRequest(sip::SipMessage&& request, const sip::Flow& destination,
                                    std::uint64_t userData = 0);
  // Cancels an INVITE client transaction (RFC 3261 9.1): the CANCEL goes out once a provisional
  // response has arrived, never after a final. Its responses are absorbed here; the TU waits for
  // the INVITE's final (normally 487), or onTimeout.
  void cancel(TransactionId clientTx);
  // A connection we opened toward `destination` (its transport and address) failed before it
  // was established, or, for a UDP `destination`, the kernel reported that address and port
  // unreachable (ICMP): the client transactions sent there (over that transport, to that
  // address and port) that have had no response at all fail now with a transport error instead
  // of at Timer B/F. A transaction that got any response, even a 100, is left alone: its peer is
  // alive (a late or forged ICMP must not end a ringing call). Server transactions never fail.
  void connectionFailed(const sip::Flow& destination);
  // "z9hG4bK" + 128 bits from the CSPRNG in hex: unique per request, as RFC 3261 8.1.1.7 asks,
  // and unguessable, so nobody can forge a CANCEL or a response for a transaction of ours.
  std::string newBranch();

  // --- bookkeeping ---
  bool alive(TransactionId tx) const;
  // Where responses on a server transaction go: the request's connection for reliable transports;
  // for UDP the source address, with the port taken from the source when the Via has rport
  // (RFC 3581) and otherwise from the Via sent-by (5060 when absent); maddr is ignored.
  static sip::Flow responseFlow(const sip::SipMessage& request, const sip::Flow& flow);
  void setUserData(TransactionId tx, std::uint64_t data);
  std::uint64_t userData(TransactionId tx) const;  // 0 when gone
  TransactionStats stats() const;
  const TimerValues& timerValues() const { return context_.values; }

 private:
  // Defers freeing ended transactions to the end of the outermost entry point (see
  // TransactionContext::ended).
  class EntryGuard {
   public:
    explicit EntryGuard(TransactionLayer& layer) : layer_(layer) { ++layer_.depth_; }
    ~EntryGuard() {
      if (--layer_.depth_ == 0) layer_.reap();
    }
    EntryGuard(const EntryGuard&) = delete;
    EntryGuard& operator=(const EntryGuard&) = delete;

   private:
    TransactionLayer& layer_;
  };

  void receiveAck(sip::SipMessage&& ack, const sip::Flow& flow);
  void receiveCancel(sip::SipMessage&& cancel, const sip::Flow& flow, TransactionKey key);
  ServerTransaction& createServer(bool invite, TransactionKey key, const sip::Flow& responseFlow);
  ServerTransaction* findServer(const TransactionKey& key);
  ServerTransaction* server(TransactionId id) const;
  ClientTransaction* client(TransactionId id) const;
  void sendCancel(ClientTransaction& invite);
  void fire(TransactionId id, TimerKind kind);
  void reap();

  TransactionContext context_;
  std::unordered_map<TransactionId, std::unique_ptr<ServerTransaction>> servers_;
  std::unordered_map<TransactionId, std::unique_ptr<ClientTransaction>> clients_;
  std::unordered_map<TransactionKey, TransactionId, TransactionKeyHash> serverKeys_;
  std::unordered_map<TransactionKey, TransactionId, TransactionKeyHash> clientKeys_;
  TransactionKey lookupKey_;  // reused for every match; never held across a TU call
  TransactionId lastId_ = 0;
  int depth_ = 0;
  bool reaping_ = false;
};

}  // namespace rtcgate::transaction
