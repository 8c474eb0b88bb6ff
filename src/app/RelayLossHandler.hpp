#pragma once

#include <string>
#include <vector>

#include "media/RelayPool.hpp"
#include "proxy/ProxyCore.hpp"

namespace rtcgate::app {

// Ends the calls whose media was on an ng relay that went down (missed pings, or a request that
// got no reply): without their relay these calls carry no audio, and left alone they would hang
// until the media timeout notices, if it ever can. Each call gets a BYE on both sides (a CANCEL
// before the answer) with the end reason "relay-lost", which the CDR, the calls' "ended" event
// and rtcgate_calls_ended_total{reason="relay-lost"} carry. Runs on the signalling loop.
class RelayLossHandler {
 public:
  explicit RelayLossHandler(proxy::ProxyCore& proxy) : proxy_(proxy) {}

  void watch(media::RelayPool& pool);
  // The calls a relay held when it went down (RelayPool::CallsLostListener).
  void onCallsLost(const media::RelayPool::RelayState& relay,
                   const std::vector<std::string>& callIds);

 private:
  proxy::ProxyCore& proxy_;
};

}  // namespace rtcgate::app
