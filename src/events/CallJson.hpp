#pragma once

#include <string>

#include "ng/Value.hpp"
#include "proxy/Dialog.hpp"

namespace rtcgate::events {

// A call as JSON, the one shape the management API (GET /api/v1/calls), the events (call.*) and
// the CDRs share (docs/API.md); with its media quality when `relayReport` (the relay's query
// reply) is given.
std::string callJson(const proxy::Dialog& dialog, const ng::Value* relayReport);
// rtpengine-layout query reply -> per-direction packets, loss %, jitter ms and estimated MOS.
std::string mediaQualityJson(const proxy::Dialog& dialog, const ng::Value& report);
// Any ng value (bencode's strings, integers, lists, dicts) as JSON.
std::string ngValueJson(const ng::Value& value);

}  // namespace rtcgate::events
