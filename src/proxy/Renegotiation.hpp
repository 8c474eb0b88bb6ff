#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/Timers.hpp"
#include "sip/SipMessage.hpp"
#include "transaction/TransactionUser.hpp"

namespace rtcgate::proxy {

// A call whose media we renegotiate from our side, with a re-INVITE to each side in the other
// side's name (ProxyRenegotiation.cpp): moved to another relay after its own relay died, or put on
// hold and resumed through the API. Two rounds, the callee first, then the caller: the other
// side's last SDP (with the hold's direction) is offered to the relay, the relay's SDP goes to
// this side in our re-INVITE, and this side's answer goes back to the relay. A move that fails
// ends the call as "relay-lost"; a hold or resume that fails leaves the call as it is.
struct Renegotiation {
  // PassOffer: a re-INVITE or UPDATE with a new offer from a side of a call placed through the
  // API (we are its user agent): one round toward the other side, whose answer (through the
  // relay) answers the offerer's request.
  enum class Purpose { MoveRelay, Hold, Resume, PassOffer };

  std::uint64_t dialogId = 0;
  Purpose purpose = Purpose::MoveRelay;
  bool towardCallee = true;  // the round in progress
  std::string offer;         // the relay's SDP for this round's re-INVITE
  transaction::TransactionId reinvite = 0;
  unsigned glares = 0;  // 491s answered so far (RFC 3261 14.1: try again a little later)
  Timers::Id retryTimer = 0;
  // PassOffer: the server transaction of the offerer's request, which awaits our answer, and the
  // two responses it may get (made from the request: SipMessage does not copy).
  transaction::TransactionId offerTx = 0;
  std::shared_ptr<sip::SipMessage> offerAnswered;  // 200, the answer's SDP still to add
  std::shared_ptr<sip::SipMessage> offerRefused;   // 488
};

// Our re-INVITE's transaction: its 2xx gets this ACK, however often it comes and whether or not
// the call is still renegotiating by then.
struct RenegotiationInvite {
  std::uint64_t dialogId = 0;
  std::string ack;
  sip::Flow flow;
};

}  // namespace rtcgate::proxy
