#pragma once

#include <cstdint>
#include <string>

#include "base/Timers.hpp"
#include "transaction/TransactionUser.hpp"

namespace rtcgate::proxy {

// A call on its way to another relay after its own relay died (ProxyRelayMove.cpp). Two rounds,
// the callee first, then the caller: the other side's last SDP is offered to the new relay, the
// relay's SDP goes to this side in a re-INVITE of ours (in the other side's name), and this
// side's answer goes back to the relay. Any failure ends the call as "relay-lost".
struct RelayMove {
  std::uint64_t dialogId = 0;
  bool towardCallee = true;  // the round in progress
  std::string offer;         // the new relay's SDP for this round's re-INVITE
  transaction::TransactionId reinvite = 0;
  unsigned glares = 0;  // 491s answered so far (RFC 3261 14.1: try again a little later)
  Timers::Id retryTimer = 0;
};

// Our re-INVITE's transaction: its 2xx gets this ACK, however often it comes and whether or not
// the call is still moving by then.
struct RelayMoveInvite {
  std::uint64_t dialogId = 0;
  std::string ack;
  sip::Flow flow;
};

}  // namespace rtcgate::proxy
