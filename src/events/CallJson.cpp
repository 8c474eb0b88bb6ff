#include "events/CallJson.hpp"

#include <chrono>
#include <cmath>
#include <optional>

#include "http/Json.hpp"
#include "ng/NgCallStats.hpp"
#include "proxy/StreamFormat.hpp"

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

namespace {

// A figure rounded to `places` decimals, as the API shows it.
void appendRounded(std::string& out, double value, int places) {
  const double scale = std::pow(10.0, places);
  appendJsonNumber(out, std::round(value * scale) / scale);
}

void appendFormat(std::string& out, const proxy::StreamFormat& format) {
  out += "\"codec\":";
  if (!format.known()) {
    out += "null,\"clock_rate\":null,\"payload_type\":null,\"ptime\":null";
    return;
  }
  appendJsonString(out, format.codec);
  out += ",\"clock_rate\":" + std::to_string(format.clockRate);
  out += ",\"payload_type\":" + std::to_string(format.payloadType);
  out += ",\"ptime\":" + std::to_string(format.ptimeMs);
}

void appendQuality(std::string& out, const ng::PartyMediaStats& sent) {
  out += ",\"packets\":" + std::to_string(sent.packets) + ",\"lost\":" + std::to_string(sent.lost);
  out += ",\"loss_percent\":";
  appendRounded(out, sent.lossPercent(), 2);
  out += ",\"jitter_ms\":";
  appendRounded(out, sent.jitterMs, 1);
  out += ",\"mos\":";
  appendRounded(out, sent.mos(), 2);
  out += ",\"rtt_ms\":";
  if (sent.roundTripMs) {
    appendRounded(out, *sent.roundTripMs, 1);
  } else {
    out += "null";
  }
  out += ",\"far_end\":";
  if (!sent.farEnd) {
    out += "null";
    return;
  }
  out += "{\"lost\":" + std::to_string(sent.farEnd->lost) + ",\"loss_percent\":";
  appendRounded(out, sent.farEnd->lossPercent, 2);
  out += ",\"jitter_ms\":";
  appendRounded(out, sent.farEnd->jitterMs, 1);
  out += '}';
}

}  // namespace

// Per direction, named by who sends: the codec and packetisation it uses (proxy::streamFormat),
// and with a relay report the packets the relay received from that side, the loss and jitter on
// them (RFC 3550 A.3, A.8), a MOS, the round trip between the relay and that side, and what the
// receiving side reported in RTCP (far_end); ng::NgCallStats reads both relay layouts.
std::string mediaQualityJson(const proxy::Dialog& dialog, const ng::Value* report) {
  const std::optional<ng::NgCallStats> stats =
      report != nullptr ? std::optional<ng::NgCallStats>(*report) : std::nullopt;
  std::string out = "{";
  for (const auto* side : {&dialog.caller, &dialog.callee}) {
    const ng::PartyMediaStats* party = stats ? stats->party(side->tag) : nullptr;
    out += side == &dialog.caller ? "\"from_caller\":{" : ",\"from_callee\":{";
    appendFormat(out, proxy::streamFormat(*side, dialog.otherSide(side->tag), party));
    if (stats) appendQuality(out, party != nullptr ? *party : ng::PartyMediaStats{});
    out += '}';
  }
  if (!dialog.recordingFile.empty()) {
    out += ",\"recording\":";
    appendJsonString(out, dialog.recordingFile);
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
  out += ",\"media\":" + mediaQualityJson(dialog, relayReport);
  out += '}';
  return out;
}

}  // namespace rtcgate::events
