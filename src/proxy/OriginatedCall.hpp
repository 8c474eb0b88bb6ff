#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/Timers.hpp"
#include "proxy/DtmfMode.hpp"
#include "proxy/MediaPolicy.hpp"
#include "proxy/Trunk.hpp"
#include "sip/Transport.hpp"
#include "transaction/TransactionUser.hpp"

namespace rtcgate::proxy {

// Where one leg of an originated call goes.
struct OriginateTarget {
  std::string requestUri;
  sip::Flow flow;
  std::vector<std::string> routes;  // Path of the registration, when there is one
  MediaLeg leg = MediaLeg::Sip;     // the media profile a branch toward it would get
  // A host name: `flow` is found through DNS (RFC 3263) before the INVITE leaves.
  std::string locate;
  // A party behind a trunk route: our INVITE shows the trunk's caller id and answers its
  // challenges with its credentials, as for a call the proxy forwards there.
  std::shared_ptr<const Trunk> trunk;
  std::string dialled;           // the number the route dials (strip, prefix)
  std::string mediaInterface;    // the relay interface of this leg ("": the default)
  std::optional<DtmfMode> dtmf;  // how digits reach this party, when its route says
  bool record = false;           // its route records the call
  // Where to go when the INVITE fails with 408 or a 5xx, as a forwarded branch would: the other
  // destinations DNS gave for it, then the route's or trunk's other targets.
  std::vector<sip::Flow> alternates;
  std::vector<std::string> failover;
};

// The controller's state of a call placed through the API (RFC 3725 flow I): we call A with no
// offer, A's 2xx offers, we call B with that offer (through the relay when the legs differ), and
// B's answer reaches A in our ACK. The Dialog holds both parties; this holds the steps between.
struct OriginatedCall {
  enum class Step { CallingA, CallingB, Connected };

  std::uint64_t dialogId = 0;
  Step step = Step::CallingA;
  transaction::TransactionId inviteA = 0;
  transaction::TransactionId inviteB = 0;
  OriginateTarget targetA;
  OriginateTarget targetB;
  // A trunk's challenges answered on each leg: each sent that leg's INVITE again with the next
  // CSeq, which our ACK for its 2xx then carries.
  int challengesA = 0;
  int challengesB = 0;
  std::string fromUri;  // A, as our From toward B
  std::string toUri;    // B, as our From toward A
  // Our ACKs for each side's 2xx, sent again when the 2xx is (RFC 3261 13.2.2.4).
  std::string ackA;
  std::string ackB;
  Timers::Id ringTimer = 0;  // B must answer before A gives up waiting for our ACK
};

}  // namespace rtcgate::proxy
