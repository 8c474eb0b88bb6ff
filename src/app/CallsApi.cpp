#include "app/CallsApi.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "admin/Json.hpp"
#include "app/JsonValue.hpp"
#include "media/NgCallStats.hpp"

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
// jitter on them (RFC 3550 A.3, A.8) and a MOS; media::NgCallStats reads both relay layouts.
std::string CallsApi::mediaQualityJson(const proxy::Dialog& dialog, const ng::Value& report) {
  const media::NgCallStats stats(report);
  std::string out = "{";
  for (const auto* side : {&dialog.caller, &dialog.callee}) {
    const media::PartyMediaStats* party = stats.party(side->tag);
    const media::PartyMediaStats none;
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

Result<CallsApi::OriginateBody> CallsApi::parseOriginateBody(std::string_view body) {
  const auto request = JsonValue::parse(body);
  if (!request || !request->isObject()) {
    return Error{"the body must be a JSON object {\"from\", \"to\"}"};
  }
  const auto& from = (*request)["from"];
  const auto& to = (*request)["to"];
  if (!from.isString() || !to.isString()) return Error{"from and to must be strings"};
  return OriginateBody{from.asString(), to.asString()};
}

admin::HttpReply CallsApi::originate(const std::string& body) {
  const auto request = parseOriginateBody(body);
  if (!request) return admin::HttpReply::error(400, request.error());
  const auto id = proxy_.originate(request->from, request->to);
  if (!id) {
    const std::string_view why = id.error();
    const unsigned status = why.find("not a user name") != std::string_view::npos  ? 400
                            : why.find("not registered") != std::string_view::npos ? 404
                                                                                   : 503;
    return admin::HttpReply::error(status, why);
  }
  return admin::HttpReply::json("{\"id\":" + std::to_string(*id) + "}", 201);
}

// The call is looked up again when the relay answers: it may have ended meanwhile.
admin::HttpReply CallsApi::callWithMedia(std::uint64_t id, std::string callId) {
  return admin::HttpReply::later(
      [this, id, callId = std::move(callId)](admin::HttpReply::Send send) {
        ng::Value query = ng::Value::dict();
        query.set("command", "query");
        query.set("call-id", callId);
        relay_(std::move(query), [this, id, send = std::move(send)](ng::Value report) {
          const proxy::Dialog* dialog = proxy_.dialogs().findById(id);
          if (dialog == nullptr) return send(admin::HttpReply::error(404, "no such call"));
          const bool ok = report.stringAt("result") == "ok";
          send(admin::HttpReply::json(callJson(*dialog, ok ? &report : nullptr)));
        });
      });
}

// `list` and `statistics` go out together; the reply leaves when both are back.
admin::HttpReply CallsApi::relayOverview() {
  return admin::HttpReply::later([this](admin::HttpReply::Send send) {
    struct Replies {
      ng::Value list;
      ng::Value statistics;
      int pending = 2;
      admin::HttpReply::Send send;
    };
    auto replies = std::make_shared<Replies>();
    replies->send = std::move(send);
    auto collect = [replies](ng::Value Replies::*slot) {
      return [replies, slot](ng::Value reply) {
        (*replies).*slot = std::move(reply);
        if (--replies->pending > 0) return;
        replies->send(admin::HttpReply::json("{\"list\":" + toJson(replies->list) +
                                             ",\"statistics\":" + toJson(replies->statistics) +
                                             "}"));
      };
    };
    ng::Value list = ng::Value::dict();
    list.set("command", "list");
    ng::Value statistics = ng::Value::dict();
    statistics.set("command", "statistics");
    relay_(std::move(list), collect(&Replies::list));
    relay_(std::move(statistics), collect(&Replies::statistics));
  });
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
  server.add("POST", "/api/v1/calls",
             "originate {from, to}: ring from, then connect it to to (third-party call control)",
             [this](const admin::HttpRequest& request) { return originate(request.body); });
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
               return callWithMedia(dialog->id, dialog->callId);
             });
  server.add("DELETE", "/api/v1/calls/{id}", "hang up: BYE to both sides, media released",
             [this, findCall](const admin::HttpRequest& request) {
               proxy::Dialog* dialog = findCall(request);
               if (dialog == nullptr) return admin::HttpReply::error(404, "no such call");
               const auto id = dialog->id;
               proxy_.hangup(id, "api-hangup");
               return admin::HttpReply::json("{\"ended\":" + std::to_string(id) + "}");
             });
  server.add("GET", "/api/v1/media",
             "the media relay: its sessions and totals (ng list, statistics)",
             [this](const admin::HttpRequest&) {
               if (!relay_) return admin::HttpReply::error(404, "media anchoring is off");
               return relayOverview();
             });
}

}  // namespace rtcgate::app
