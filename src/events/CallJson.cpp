#include "events/CallJson.hpp"

#include <chrono>
#include <cmath>

#include "http/Json.hpp"
#include "ng/NgCallStats.hpp"

namespace rtcgate::events {
namespace {

using http::appendJsonNumber;
using http::appendJsonString;

void appendSide(std::string& out, const proxy::DialogSide& side) {
  out += "{\"uri\":";
  appendJsonString(out, side.uri);
  out += ",\"tag\":";
  appendJsonString(out, side.tag);
  out += ",\"transport\":";
  appendJsonString(out, sip::transportParamName(side.flow.transport));
  out += ",\"address\":";
  appendJsonString(out, side.flow.remote.toString());
  out += ",\"media\":";
  appendJsonString(out, proxy::mediaLegName(side.leg));
  out += "}";
}

}  // namespace

std::string ngValueJson(const ng::Value& value) {
  std::string out;
  switch (value.type()) {
    case ng::Value::Type::String:
      appendJsonString(out, value.str());
      break;
    case ng::Value::Type::Integer:
      out += std::to_string(value.integerValue());
      break;
    case ng::Value::Type::List:
      out += '[';
      for (std::size_t i = 0; i < value.size(); ++i) {
        if (i) out += ',';
        out += ngValueJson(value.items()[i]);
      }
      out += ']';
      break;
    case ng::Value::Type::Dict:
      out += '{';
      for (std::size_t i = 0; i < value.size(); ++i) {
        if (i) out += ',';
        appendJsonString(out, value.keys()[i]);
        out += ':';
        out += ngValueJson(value.items()[i]);
      }
      out += '}';
      break;
  }
  return out;
}

// Per direction, named by who sends: packets the relay received from that side, the loss and
// jitter on them (RFC 3550 A.3, A.8) and a MOS; ng::NgCallStats reads both relay layouts.
std::string mediaQualityJson(const proxy::Dialog& dialog, const ng::Value& report) {
  const ng::NgCallStats stats(report);
  std::string out = "{";
  for (const auto* side : {&dialog.caller, &dialog.callee}) {
    const ng::PartyMediaStats* party = stats.party(side->tag);
    const ng::PartyMediaStats none;
    const auto& sent = party != nullptr ? *party : none;
    out += side == &dialog.caller ? "\"from_caller\":{" : ",\"from_callee\":{";
    out += "\"packets\":" + std::to_string(sent.packets) + ",\"lost\":" + std::to_string(sent.lost);
    out += ",\"loss_percent\":";
    appendJsonNumber(out, std::round(sent.lossPercent() * 100.0) / 100.0);
    out += ",\"jitter_ms\":";
    appendJsonNumber(out, std::round(sent.jitterMs * 10.0) / 10.0);
    out += ",\"mos\":";
    appendJsonNumber(out, std::round(sent.mos() * 100.0) / 100.0);
    out += '}';
  }
  out += '}';
  return out;
}

std::string callJson(const proxy::Dialog& dialog, const ng::Value* relayReport,
                     WallClock::time_point now) {
  std::string out = "{\"id\":" + std::to_string(dialog.id) + ",\"call_id\":";
  appendJsonString(out, dialog.callId);
  out += ",\"state\":";
  appendJsonString(out, dialog.stateName());
  out += ",\"from\":";
  appendJsonString(out, dialog.caller.uri);
  out += ",\"to\":";
  appendJsonString(out, dialog.callee.uri);
  out += ",\"caller\":";
  appendSide(out, dialog.caller);
  out += ",\"callee\":";
  appendSide(out, dialog.callee);
  out += ",\"anchored\":";
  out += dialog.anchored ? "true" : "false";
  out += ",\"start\":" + std::to_string(proxy::unixSeconds(dialog.created));
  out += ",\"answer\":" + std::to_string(proxy::unixSeconds(dialog.answered));
  const auto duration =
      dialog.answered == proxy::SystemTime{}
          ? 0
          : std::chrono::duration_cast<std::chrono::seconds>(now - dialog.answered).count();
  out += ",\"duration\":" + std::to_string(duration);
  if (relayReport != nullptr) {
    out += ",\"media\":" + mediaQualityJson(dialog, *relayReport);
  }
  out += '}';
  return out;
}

}  // namespace rtcgate::events
