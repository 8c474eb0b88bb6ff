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

// An INVITE (RFC 3261 17.2.1 with the RFC 6026 Accepted state) or non-INVITE (17.2.2) server
// transaction. It keeps only the last response it sent, serialized, and where responses go.
// Owned by TransactionLayer, which does the matching and routes events here.
class ServerTransaction {
 public:
  enum class State : std::uint8_t {
    Trying,
    Proceeding,
    Completed,
    Confirmed,
    Accepted,
    Terminated
  };
  enum class AckResult : std::uint8_t { Absorbed, PassUp };

  ServerTransaction(TransactionContext& context, TransactionId id, bool invite, TransactionKey key,
                    const sip::Flow& responseFlow);

  TransactionId id() const { return id_; }
  bool isInvite() const { return invite_; }
  State state() const { return state_; }
  bool terminated() const { return state_ == State::Terminated; }
  const TransactionKey& key() const { return key_; }
  const TransactionKey& ackKey() const { return ackKey_; }
  void setAckKey(TransactionKey key) { ackKey_ = std::move(key); }
  const sip::Flow& responseFlow() const { return responseFlow_; }
  std::uint64_t userData() const { return userData_; }
  void setUserData(std::uint64_t data) { userData_ = data; }

  // Sends a response from the TU. False when the state does not allow it (a second final, a
  // non-2xx after a 2xx) or the transport refused it.
  bool respond(const sip::SipMessage& response);
  // The request arrived again: resend the last response, if the state calls for it.
  void onRequestRetransmission();
  // An ACK matched this (INVITE) transaction.
  AckResult onAck();
  void onTimer(TimerKind kind);
  // Ends the transaction now (layer shutdown).
  void terminate();

 private:
  bool respondInvite(int status);
  bool respondNonInvite(int status);
  bool sendLast();
  bool send(std::string_view bytes);
  // Starts a lifetime timer, or ends the transaction at once when the duration is zero (reliable
  // transports need no time to absorb retransmissions).
  void linger(TimerKind kind, Duration after);
  bool reliable() const { return sip::isReliable(responseFlow_.transport); }

  TransactionContext& context_;
  TransactionId id_;
  TransactionKey key_;
  TransactionKey ackKey_;  // RFC 2543 only: the key an ACK for our final response carries
  sip::Flow responseFlow_;
  std::string lastResponse_;
  std::uint64_t userData_ = 0;
  Timers::Id retransmitTimer_ = 0;  // G
  Timers::Id lifetimeTimer_ = 0;    // H, I, J, L
  Duration retransmitInterval_{0};
  State state_;
  bool invite_;
};

}  // namespace rtcgate::transaction
