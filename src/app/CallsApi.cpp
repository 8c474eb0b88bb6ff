#include "app/CallsApi.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "admin/Json.hpp"

namespace rtcgate::app {
namespace {

using admin::appendJsonNumber;
using admin::appendJsonString;

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

std::int64_t integerAt(const ng::Value& dict, std::string_view key) {
  const ng::Value* value = dict.find(key);
  if (value == nullptr) return 0;
  auto number = value->number();
  return number ? *number : 0;
}

// ITU-T G.107 E-model, simplified for G.711 with packet-loss concealment: an estimate, good
// enough to tell a clean call from a broken one.
double estimateMos(double lossPercent, double jitterMs) {
  const double delay = 20.0 + 2.0 * jitterMs;  // packetisation plus a jitter buffer of 2x
  double r = 93.2 - (delay > 177.3 ? 0.024 * delay + 0.11 * (delay - 177.3) : 0.024 * delay);
  r -= 95.0 * lossPercent / (lossPercent + 25.1);
  r = std::clamp(r, 0.0, 100.0);
  return 1.0 + 0.035 * r + 7e-6 * r * (r - 60.0) * (100.0 - r);
}

}  // namespace

std::string CallsApi::toJson(const ng::Value& value) {
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
        out += toJson(value.items()[i]);
      }
      out += ']';
      break;
    case ng::Value::Type::Dict:
      out += '{';
      for (std::size_t i = 0; i < value.size(); ++i) {
        if (i) out += ',';
        appendJsonString(out, value.keys()[i]);
        out += ':';
        out += toJson(value.items()[i]);
      }
      out += '}';
      break;
  }
  return out;
}

// Per direction, named by who sends: packets the relay received from that side, the loss and
// jitter it measured on them (RFC 3550 A.3, A.8), and a MOS estimate from those.
std::string CallsApi::mediaQualityJson(const proxy::Dialog& dialog, const ng::Value& report) {
  const ng::Value* tags = report.find("tags");
  const ng::Value* ssrcs = report.find("SSRC");
  std::string out = "{";
  bool first = true;
  for (const auto* side : {&dialog.caller, &dialog.callee}) {
    const ng::Value* party = tags ? tags->find(side->tag) : nullptr;
    std::int64_t packets = 0, lost = 0, jitter = 0;
    if (party != nullptr && party->find("medias") != nullptr) {
      for (const auto& media : party->find("medias")->items()) {
        const ng::Value* streams = media.find("streams");
        if (streams == nullptr) continue;
        for (const auto& stream : streams->items()) {
          if (const ng::Value* stats = stream.find("stats")) packets += integerAt(*stats, "packets");
          const ng::Value* ssrc = stream.find("SSRC");
          const ng::Value* entry =
              ssrc && ssrcs ? ssrcs->find(std::to_string(ssrc->integerValue())) : nullptr;
          if (entry != nullptr) {
            lost += integerAt(*entry, "cumulative loss");
            jitter = std::max(jitter, integerAt(*entry, "jitter"));
          }
        }
      }
    }
    const double lossPercent =
        packets + lost > 0 ? 100.0 * static_cast<double>(lost) / static_cast<double>(packets + lost)
                           : 0.0;
    const double jitterMs = static_cast<double>(jitter) / 8.0;  // 8 kHz audio clock
    if (!first) out += ',';
    first = false;
    out += side == &dialog.caller ? "\"from_caller\":{" : "\"from_callee\":{";
    out += "\"packets\":" + std::to_string(packets) + ",\"lost\":" + std::to_string(lost);
    out += ",\"loss_percent\":";
    appendJsonNumber(out, std::round(lossPercent * 100.0) / 100.0);
    out += ",\"jitter_ms\":";
    appendJsonNumber(out, jitterMs);
    out += ",\"mos\":";
    appendJsonNumber(out, packets > 0 ? std::round(estimateMos(lossPercent, jitterMs) * 100.0) / 100.0
                                      : 0.0);
    out += '}';
  }
  out += '}';
  return out;
}

std::string CallsApi::callJson(const proxy::Dialog& dialog, const ng::Value* relayReport) {
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
  const auto now = std::chrono::system_clock::now();
  const auto duration = dialog.answered == proxy::SystemTime{}
                            ? 0
                            : std::chrono::duration_cast<std::chrono::seconds>(now - dialog.answered)
                                  .count();
  out += ",\"duration\":" + std::to_string(duration);
  if (relayReport != nullptr) {
    out += ",\"media\":" + mediaQualityJson(dialog, *relayReport);
  }
  out += '}';
  return out;
}

void CallsApi::registerRoutes(admin::HttpServer& server) {
  server.add("GET", "/api/v1/calls", "calls in progress (state, parties, times)",
             [this](const admin::HttpRequest&) {
               std::string out = "{\"calls\":[";
               bool first = true;
               proxy_.dialogs().forEach([&](const proxy::Dialog& dialog) {
                 if (!first) out += ',';
                 first = false;
                 out += callJson(dialog, nullptr);
               });
               out += "]}";
               return admin::HttpReply::json(std::move(out));
             });
  auto findCall = [this](const admin::HttpRequest& request) -> proxy::Dialog* {
    const auto& text = request.params.at("id");
    std::uint64_t id = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc() || end != text.data() + text.size()) return nullptr;
    return proxy_.dialogs().findById(id);
  };
  server.add("GET", "/api/v1/calls/{id}", "one call, with per-direction media quality",
             [this, findCall](const admin::HttpRequest& request) {
               proxy::Dialog* dialog = findCall(request);
               if (dialog == nullptr) return admin::HttpReply::error(404, "no such call");
               if (!dialog->anchored || !relay_) {
                 return admin::HttpReply::json(callJson(*dialog, nullptr));
               }
               ng::Value query = ng::Value::dict();
               query.set("command", "query");
               query.set("call-id", dialog->callId);
               const ng::Value report = relay_(std::move(query));
               const bool ok = report.stringAt("result") == "ok";
               return admin::HttpReply::json(callJson(*dialog, ok ? &report : nullptr));
             });
  server.add("DELETE", "/api/v1/calls/{id}", "hang up: BYE to both sides, media released",
             [this, findCall](const admin::HttpRequest& request) {
               proxy::Dialog* dialog = findCall(request);
               if (dialog == nullptr) return admin::HttpReply::error(404, "no such call");
               const auto id = dialog->id;
               proxy_.hangup(id, "api-hangup");
               return admin::HttpReply::json("{\"ended\":" + std::to_string(id) + "}");
             });
  server.add("GET", "/api/v1/media", "the media relay: its sessions and totals (ng list, statistics)",
             [this](const admin::HttpRequest&) {
               if (!relay_) return admin::HttpReply::error(404, "media anchoring is off");
               ng::Value list = ng::Value::dict();
               list.set("command", "list");
               ng::Value statistics = ng::Value::dict();
               statistics.set("command", "statistics");
               const ng::Value calls = relay_(std::move(list));
               const ng::Value totals = relay_(std::move(statistics));
               return admin::HttpReply::json("{\"list\":" + toJson(calls) +
                                             ",\"statistics\":" + toJson(totals) + "}");
             });
}

}  // namespace rtcgate::app
