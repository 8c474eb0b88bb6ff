#pragma once

#include <string>
#include <vector>

#include "mediacontrol/RelayPool.hpp"
#include "proxy/ProxyCore.hpp"

namespace rtcgate::app {

// Moves or ends the calls whose media was on an ng relay that went down (missed pings, or a
// request that got no reply): without their relay these calls carry no audio, and left alone they
// would hang until the media timeout notices, if it ever can. An answered call moves to another
// relay when one is alive (ProxyCore::moveToAnotherRelay: a re-INVITE to each side). Any other
// call, and one whose move fails, gets a BYE on both sides (a CANCEL before the answer) with the
// end reason "relay-lost", which the CDR, the calls' "ended" event and
// rtcgate_calls_ended_total{reason="relay-lost"} carry. A call whose media went direct (a forked
// offer the relay kept) loses nothing and is left alone. Runs on the signalling loop.
class RelayLossHandler {
 public:
  explicit RelayLossHandler(proxy::ProxyCore& proxy) : proxy_(proxy) {}

  void watch(mediacontrol::RelayPool& pool);
  // The calls a relay held when it went down (RelayPool::CallsLostListener); `anotherRelay`:
  // whether some relay of the pool is still alive to take them.
  void onCallsLost(const mediacontrol::RelayPool::RelayState& relay,
                   const std::vector<std::string>& callIds, bool anotherRelay);

 private:
  proxy::ProxyCore& proxy_;
};

}  // namespace rtcgate::app
