#pragma once

#include <cstdint>
#include <string>

#include "base/Timers.hpp"
#include "sip/SipMessage.hpp"
#include "sip/Transport.hpp"
#include "transaction/TransactionContext.hpp"
#include "transaction/TransactionKey.hpp"
#include "transaction/TransactionUser.hpp"

namespace rtcgate::transaction {

// An INVITE (RFC 3261 17.1.1 with the RFC 6026 Accepted state) or non-INVITE (17.1.2) client
// transaction. It keeps the request serialized once, for retransmission and for deriving the ACK or
// CANCEL, and the flow it goes to. Owned by TransactionLayer, which matches responses to it.
//
// INVITE and 2xx: the transaction moves to Accepted (Timer M = 64*T1) and passes every 2xx up, so
// the proxy forwards retransmissions and other forks' 2xx; other finals are then absorbed.
class ClientTransaction {
 public:
  enum class State : std::uint8_t { Calling, Trying, Proceeding, Completed, Accepted, Terminated };

  // A silent transaction reports nothing to the TU: the layer's own CANCEL requests.
  ClientTransaction(TransactionContext& context, TransactionId id, bool invite, TransactionKey key,
                    const sip::Flow& destination, std::string request, bool silent = false);

  TransactionId id() const { return id_; }
  bool isInvite() const { return invite_; }
  bool silent() const { return silent_; }
  State state() const { return state_; }
  bool terminated() const { return state_ == State::Terminated; }
  const TransactionKey& key() const { return key_; }
  const sip::Flow& destination() const { return destination_; }
  std::uint64_t userData() const { return userData_; }
  void setUserData(std::uint64_t data) { userData_ = data; }

  // Sends the request for the first time and starts the timers. False when the transport refused
  // it; the transaction then never started and reports nothing.
  bool start();
  void onResponse(sip::SipMessage&& response, const sip::Flow& flow);
  void onTimer(TimerKind kind);
  // The TU wants the INVITE cancelled. True when the CANCEL must go out now (a provisional
  // response arrived); otherwise it is remembered until one does, and dropped if a final comes.
  bool requestCancel();
  // True once, when a provisional response made a remembered CANCEL due.
  bool takeCancelDue();
  // The CANCEL for this INVITE (RFC 3261 9.1) and the branch it shares; empty if the stored
  // request cannot be read back (never expected: we serialized it).
  std::string cancelRequest(std::string& branch) const;
  // Ends the transaction now (layer shutdown).
  void terminate();
  // The connection opened for this request failed (connect or TLS handshake), or its UDP
  // destination was reported unreachable: a transport error, as when the send itself fails
  // (RFC 3261 8.1.3.1), but only while no response has come (Calling, Trying).
  void connectionFailed();

 private:
  enum class CancelState : std::uint8_t { None, Pending, Due, Sent };

  void onProvisional(sip::SipMessage&& response, const sip::Flow& flow);
  void onFinal(sip::SipMessage&& response, const sip::Flow& flow);
  void onInviteFinal(sip::SipMessage&& response, const sip::Flow& flow);
  void retransmit(TimerKind kind);
  void sendAck(const sip::SipMessage& response);
  void failTransport();
  void passUp(sip::SipMessage&& response, const sip::Flow& flow);
  void linger(TimerKind kind, Duration after);
  void startCancelWait();
  bool reliable() const { return sip::isReliable(destination_.transport); }

  TransactionContext& context_;
  TransactionId id_;
  TransactionKey key_;
  sip::Flow destination_;
  std::string request_;  // the request; after a non-2xx final to an INVITE, the ACK
  std::uint64_t userData_ = 0;
  Timers::Id retransmitTimer_ = 0;  // A, E
  Timers::Id lifetimeTimer_ = 0;    // B, F, D, K, M, CancelWait
  Duration retransmitInterval_{0};
  State state_;
  CancelState cancel_ = CancelState::None;
  bool invite_;
  bool silent_;
};

}  // namespace rtcgate::transaction
