#pragma once

#include <string>

#include "base/Timers.hpp"
#include "ng/Value.hpp"
#include "proxy/Dialog.hpp"

namespace rtcgate::events {

// A call as JSON, the one shape the management API (GET /api/v1/calls), the events (call.*) and
// the CDRs share (docs/API.md); with its media quality when `relayReport` (the relay's query
// reply) is given. `now` is the wall clock (Timers::wallNow()) an answered call's duration runs to.
std::string callJson(const proxy::Dialog& dialog, const ng::Value* relayReport,
                     WallClock::time_point now);
// Per direction: the codec and ptime (from the SDPs, or what the relay saw), and with the relay's
// report (rtpengine layout, may be null) packets, loss %, jitter ms, MOS, RTT and the far end's
// RTCP view.
std::string mediaQualityJson(const proxy::Dialog& dialog, const ng::Value* report);
// Any ng value (bencode's strings, integers, lists, dicts) as JSON.
std::string ngValueJson(const ng::Value& value);

}  // namespace rtcgate::events
