#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/Timers.hpp"
#include "proxy/DtmfMode.hpp"
#include "proxy/MediaPolicy.hpp"
#include "proxy/ResponseSelector.hpp"
#include "proxy/Trunk.hpp"
#include "sip/SipMessage.hpp"
#include "sip/Transport.hpp"
#include "transaction/TransactionUser.hpp"

namespace rtcgate::proxy {

// One outgoing copy of a proxied request (RFC 3261 16.6) and what became of it.
struct Branch {
  enum class State { Calling, Proceeding, Completed };
  transaction::TransactionId clientTx = 0;
  State state = State::Calling;
  int finalStatus = 0;
  Timers::Id timerC = 0;  // INVITE: cancels a branch that rings forever (RFC 3261 16.8)
  // Static-route failover: the targets still to try when this one answers 408/5xx or times out.
  std::vector<std::string> failover;
  // RFC 3263 failover: the next hop's other destinations, tried on 408/503 or no answer, with
  // the Request-URI and Route headers to send them.
  std::vector<sip::Flow> alternates;
  std::string requestUri;
  std::vector<std::string> routes;
  Timers::Id failoverTimer = 0;  // sip.failover_timeout: no response at all from this destination
  bool locating = false;         // waiting for DNS: nothing sent yet
  sip::Flow flow;                // where it went
  std::string viaBranch;         // our Via branch: the relay keys a forked offer by it
  bool anchored = false;         // its media goes through the relay
  MediaLeg leg = MediaLeg::Sip;
  std::string mediaInterface;    // the relay interface of its leg ("" = the relay's default)
  std::optional<DtmfMode> dtmf;  // how digits reach its callee, when its route says
  bool record = false;           // its route records the call
  // A branch toward a trunk: its challenges are answered with the trunk's credentials (then
  // requestUri and routes are kept to send it again), and failover keeps the dialled number.
  std::shared_ptr<const Trunk> trunk;
  std::string dialled;
  int challengesAnswered = 0;
};

// The proxy's state for one server transaction: the request as received (to build responses and
// further branches), its branches, and the best final response so far (RFC 3261 16.7).
struct ProxyTransaction {
  transaction::TransactionId serverTx = 0;
  sip::SipMessage request;
  sip::Flow source;
  std::vector<Branch> branches;
  ResponseSelector selector;
  std::optional<sip::SipMessage> bestResponse;
  std::vector<std::string> wwwChallenges;    // collected from 401s of every branch (16.7 step 7)
  std::vector<std::string> proxyChallenges;  // collected from 407s
  bool finalSent = false;
  bool cancelled = false;
  bool fromStranger = false;
  bool starting = false;  // its first branches are being created (startProxying)
  // A trunk knows the caller by its caller id (from_user): this header of what we forward is
  // rewritten -- From of the caller's requests, To of the trunk's in that dialog -- and the
  // responses get the request's own value back. `presentedValue` is what in-dialog requests are
  // given (an initial INVITE's From is written per branch, presentTrunkCaller).
  std::optional<sip::HeaderId> presented;
  std::string presentedValue;

  // Media anchoring: what the SDP of the request is, and the responses waiting their turn to go
  // upstream while the relay rewrites one of them (they must leave in the order they came).
  enum class MediaRole { None, Offer, LateOffer };
  MediaRole mediaRole = MediaRole::None;
  // Added to the CSeq of what we forward, taken off the responses (DialogSide::cseqShift).
  std::uint32_t cseqShift = 0;
  MediaLeg sourceLeg = MediaLeg::Sip;
  // The relay interface of the caller's leg ("" = the relay's default, where browsers are). The
  // hook for whoever knows the caller's network (a trunk's `media.interface`): set it before
  // the branches are created; in-dialog requests take it from the dialog (planMedia).
  std::string sourceInterface;
  struct Upstream {
    sip::SipMessage response;
    std::size_t branch;  // index into branches, or kNoBranch for our own responses
  };
  static constexpr std::size_t kNoBranch = static_cast<std::size_t>(-1);
  std::deque<Upstream> upstream;
  bool upstreamBusy = false;

  explicit ProxyTransaction(sip::SipMessage&& r) : request(std::move(r)) {}

  bool allBranchesCompleted() const {
    for (const auto& branch : branches) {
      if (branch.state != Branch::State::Completed) return false;
    }
    return true;
  }
};

}  // namespace rtcgate::proxy
