#include "api/CallsApi.hpp"

#include <algorithm>
#include <cmath>

#include "api/CallIdParam.hpp"
#include "events/CallJson.hpp"
#include "http/Json.hpp"
#include "http/JsonValue.hpp"

namespace rtcgate::api {
namespace {

// What the API shows of a relay that did not answer: an ng error reply, as the relay would give.
ng::Value replyOrError(mediacontrol::MediaControl::Reply reply) {
  if (reply) return std::move(*reply);
  ng::Value error = ng::Value::dict();
  error.set("result", "error");
  error.set("error-reason", reply.error().reason);
  return error;
}

}  // namespace

Result<CallsApi::OriginateBody> CallsApi::parseOriginateBody(std::string_view body) {
  const auto request = http::JsonValue::parse(body);
  if (!request || !request->isObject()) {
    return Error{"the body must be a JSON object {\"from\", \"to\"}"};
  }
  const auto& from = (*request)["from"];
  const auto& to = (*request)["to"];
  if (!from.isString() || !to.isString()) return Error{"from and to must be strings"};
  return OriginateBody{from.asString(), to.asString()};
}

Result<CallsApi::DtmfBody> CallsApi::parseDtmfBody(std::string_view body) {
  const auto request = http::JsonValue::parse(body);
  if (!request || !request->isObject()) {
    return Error{"the body must be a JSON object {\"digits\", \"duration_ms\", \"to\"}"};
  }
  DtmfBody dtmf;
  const auto& digits = (*request)["digits"];
  if (!digits.isString()) return Error{"digits must be a string of 0-9, *, #, A-D"};
  dtmf.digits = digits.asString();
  constexpr std::string_view kDigits = "0123456789*#ABCDabcd";
  if (dtmf.digits.empty() || dtmf.digits.size() > kMaxDigits ||
      dtmf.digits.find_first_not_of(kDigits) != std::string::npos) {
    return Error{"digits must be 1 to 32 of 0-9, *, #, A-D"};
  }
  const auto& duration = (*request)["duration_ms"];
  if (!duration.isNull()) {
    if (!duration.isNumber() || duration.asNumber() < 100 || duration.asNumber() > 5000) {
      return Error{"duration_ms must be a number from 100 to 5000"};
    }
    dtmf.durationMs = static_cast<unsigned>(duration.asNumber());
  }
  const auto& to = (*request)["to"];
  if (!to.isNull()) {
    if (!to.isString() || (to.asString() != "callee" && to.asString() != "caller")) {
      return Error{"to must be \"callee\" or \"caller\""};
    }
    dtmf.toCaller = to.asString() == "caller";
  }
  return dtmf;
}

// Digits go as RFC 4733 events played by the relay toward a side that negotiated
// telephone-event, else as SIP INFO (ProxyCore::sendDigits); 202 says which.
http::HttpReply CallsApi::sendDtmf(const proxy::Dialog& dialog, const std::string& body) {
  const auto dtmf = parseDtmfBody(body);
  if (!dtmf) return http::HttpReply::error(400, dtmf.error());
  const std::string target = dtmf->toCaller ? "caller" : "callee";
  const auto id = dialog.id;
  return http::HttpReply::later([this, dtmf = *dtmf, target, id](http::HttpReply::Send send) {
    auto done = [target, id, digits = dtmf.digits,
                 send](Result<proxy::ProxyCore::DigitsSent, std::string> sent) {
      if (!sent) {
        return send(
            http::HttpReply::error(409, "cannot send DTMF to the " + target + ": " + sent.error()));
      }
      std::string out = "{\"id\":" + std::to_string(id) + ",\"digits\":";
      http::appendJsonString(out, digits);
      out += ",\"to\":\"" + target + "\",\"as\":\"";
      out += proxy::DtmfDigit::deliveryName(sent->as);
      out += '"';
      if (!sent->warning.empty()) {
        out += ",\"warning\":";
        http::appendJsonString(out, sent->warning);
      }
      out += '}';
      send(http::HttpReply::json(std::move(out), 202));
    };
    const auto refused =
        proxy_.sendDigits(id, dtmf.toCaller, dtmf.digits, dtmf.durationMs, std::move(done));
    if (refused == proxy::ProxyCore::DigitsRefusal::NoSuchCall) {
      send(http::HttpReply::error(404, "no such call"));
    } else if (refused == proxy::ProxyCore::DigitsRefusal::NotAnswered) {
      send(http::HttpReply::error(409, "digits go into answered calls"));
    }
  });
}

http::HttpReply CallsApi::originate(const std::string& body) {
  const auto request = parseOriginateBody(body);
  if (!request) return http::HttpReply::error(400, request.error());
  const auto id = proxy_.originate(request->from, request->to);
  if (!id) return http::HttpReply::error(originateStatus(id.error().kind), id.error().reason);
  return http::HttpReply::json("{\"id\":" + std::to_string(*id) + "}", 201);
}

unsigned CallsApi::originateStatus(proxy::OriginateError::Kind kind) {
  switch (kind) {
    case proxy::OriginateError::Kind::BadParty:
      return 400;
    case proxy::OriginateError::Kind::UnknownParty:
      return 404;
    case proxy::OriginateError::Kind::NotSent:
      return 503;
  }
  return 503;
}

std::string CallsApi::callJsonAsOfNow(const proxy::Dialog& dialog,
                                      const ng::Value* relayReport) const {
  return events::callJson(dialog, relayReport, timers_.wallNow());
}

// The call is looked up again when the relay answers: it may have ended meanwhile.
http::HttpReply CallsApi::callWithMedia(std::uint64_t id, std::string callId) {
  return http::HttpReply::later([this, id, callId = std::move(callId)](http::HttpReply::Send send) {
    relay_->request(
        mediacontrol::MediaControl::query(callId),
        [this, id, send = std::move(send)](mediacontrol::MediaControl::Reply report) {
          const proxy::Dialog* dialog = proxy_.dialogs().findById(id);
          if (dialog == nullptr) return send(http::HttpReply::error(404, "no such call"));
          const bool ok = report && report->stringAt("result") == "ok";
          send(http::HttpReply::json(callJsonAsOfNow(*dialog, ok ? &*report : nullptr)));
        });
  });
}

// `list` and `statistics` go out together; the reply leaves when both are back.
http::HttpReply CallsApi::relayOverview() {
  return http::HttpReply::later([this](http::HttpReply::Send send) {
    struct Replies {
      ng::Value list;
      ng::Value statistics;
      int pending = 2;
      http::HttpReply::Send send;
    };
    auto replies = std::make_shared<Replies>();
    replies->send = std::move(send);
    auto collect = [replies](ng::Value Replies::*slot) {
      return [replies, slot](mediacontrol::MediaControl::Reply reply) {
        (*replies).*slot = replyOrError(std::move(reply));
        if (--replies->pending > 0) return;
        replies->send(http::HttpReply::json(
            "{\"list\":" + events::ngValueJson(replies->list) +
            ",\"statistics\":" + events::ngValueJson(replies->statistics) + "}"));
      };
    };
    ng::Value list = ng::Value::dict();  // no limit: the relay's own default, as always
    list.set("command", "list");
    ng::Value statistics = ng::Value::dict();
    statistics.set("command", "statistics");
    relay_->request(std::move(list), collect(&Replies::list));
    relay_->request(std::move(statistics), collect(&Replies::statistics));
  });
}

// 202: the re-INVITEs are out and the call.held / call.resumed event tells when both sides
// answered; 200: the call already is in that state.
http::HttpReply CallsApi::holdReply(std::uint64_t id, bool held) {
  using Outcome = proxy::ProxyCore::HoldOutcome;
  switch (proxy_.hold(id, held)) {
    case Outcome::Started: {
      auto reply = http::HttpReply::json("{\"id\":" + std::to_string(id) + ",\"on_hold\":" +
                                         (held ? "true" : "false") + ",\"pending\":true}");
      reply.status = 202;
      return reply;
    }
    case Outcome::Unchanged:
      return http::HttpReply::json("{\"id\":" + std::to_string(id) + ",\"on_hold\":" +
                                   (held ? "true" : "false") + ",\"pending\":false}");
    case Outcome::Busy:
      return http::HttpReply::error(409, "the call is being renegotiated: try again shortly");
    case Outcome::NotPossible:
      return http::HttpReply::error(
          409, "only an answered call whose media goes through the relay can be held");
    case Outcome::NoSuchCall:
      break;
  }
  return http::HttpReply::error(404, "no such call");
}

void CallsApi::registerRoutes(http::HttpServer& server) {
  server.add("GET", "/api/v1/calls", "calls in progress (state, parties, times)",
             [this](const http::HttpRequest&) {
               std::string out = "{\"calls\":[";
               bool first = true;
               proxy_.dialogs().forEach([&](const proxy::Dialog& dialog) {
                 if (!first) out += ',';
                 first = false;
                 out += callJsonAsOfNow(dialog, nullptr);
               });
               out += "]}";
               return http::HttpReply::json(std::move(out));
             });
  server.add("POST", "/api/v1/calls",
             "originate {from, to}: ring from, then connect it to to (third-party call control)",
             [this](const http::HttpRequest& request) { return originate(request.body); });
  auto findCall = [this](const http::HttpRequest& request) -> proxy::Dialog* {
    return proxy_.dialogs().findById(callIdParam(request));
  };
  server.add("GET", "/api/v1/calls/{id}", "one call, with per-direction media quality",
             [this, findCall](const http::HttpRequest& request) {
               proxy::Dialog* dialog = findCall(request);
               if (dialog == nullptr) return http::HttpReply::error(404, "no such call");
               if (!dialog->anchored || !relay_) {
                 return http::HttpReply::json(callJsonAsOfNow(*dialog, nullptr));
               }
               return callWithMedia(dialog->id, dialog->callId);
             });
  server.add("DELETE", "/api/v1/calls/{id}", "hang up: BYE to both sides, media released",
             [this, findCall](const http::HttpRequest& request) {
               proxy::Dialog* dialog = findCall(request);
               if (dialog == nullptr) return http::HttpReply::error(404, "no such call");
               const auto id = dialog->id;
               proxy_.hangup(id, "api-hangup");
               return http::HttpReply::json("{\"ended\":" + std::to_string(id) + "}");
             });
  server.add("POST", "/api/v1/calls/{id}/dtmf",
             "send digits {digits, duration_ms, to: callee|caller} as RFC 4733 events",
             [this, findCall](const http::HttpRequest& request) {
               proxy::Dialog* dialog = findCall(request);
               if (dialog == nullptr) return http::HttpReply::error(404, "no such call");
               return sendDtmf(*dialog, request.body);
             });
  for (const bool held : {true, false}) {
    server.add("POST", held ? "/api/v1/calls/{id}/hold" : "/api/v1/calls/{id}/resume",
               held ? "hold: a re-INVITE to each side, every stream inactive (call.held follows)"
                    : "resume a held call: a re-INVITE to each side (call.resumed follows)",
               [this, findCall, held](const http::HttpRequest& request) {
                 proxy::Dialog* dialog = findCall(request);
                 if (dialog == nullptr) return http::HttpReply::error(404, "no such call");
                 return holdReply(dialog->id, held);
               });
  }
  server.add("GET", "/api/v1/media",
             "the media relay: its sessions and totals (ng list, statistics)",
             [this](const http::HttpRequest&) {
               if (!relay_) return http::HttpReply::error(404, "media anchoring is off");
               return relayOverview();
             });
}

}  // namespace rtcgate::api
