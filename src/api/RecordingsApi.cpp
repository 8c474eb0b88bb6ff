#include "api/RecordingsApi.hpp"

#include <spdlog/spdlog.h>

#include "api/CallIdParam.hpp"
#include "http/Json.hpp"
#include "http/JsonValue.hpp"

namespace rtcgate::api {

using Refusal = proxy::ProxyCore::RecordingRefusal;

namespace {

http::HttpReply refusalReply(Refusal refusal) {
  switch (refusal) {
    case Refusal::NoSuchCall:
      return http::HttpReply::error(404, "no such call");
    case Refusal::NotPossible:
      return http::HttpReply::error(
          409, "only an answered call whose media goes through the relay can be recorded");
    case Refusal::Already:
      return http::HttpReply::error(409, "the call is being recorded already");
    case Refusal::NotRecording:
      return http::HttpReply::error(409, "the call is not being recorded");
    case Refusal::None:
      break;
  }
  return http::HttpReply::error(500, "unexpected");
}

}  // namespace

Result<proxy::ProxyCore::RecordingRequest> RecordingsApi::parseBody(std::string_view body) {
  proxy::ProxyCore::RecordingRequest request;
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return request;
  const auto json = http::JsonValue::parse(body);
  if (!json || !json->isObject()) {
    return Error{"the body must be a JSON object {\"format\", \"mix\"}"};
  }
  const auto& format = (*json)["format"];
  if (!format.isNull()) {
    if (!format.isString() || (format.asString() != "wav" && format.asString() != "pcap")) {
      return Error{"format must be \"wav\" or \"pcap\""};
    }
    request.format = format.asString();
  }
  const auto& mix = (*json)["mix"];
  if (!mix.isNull()) {
    if (!mix.isString() || (mix.asString() != "stereo" && mix.asString() != "mono")) {
      return Error{"mix must be \"stereo\" or \"mono\""};
    }
    request.mix = mix.asString();
  }
  return request;
}

std::string RecordingsApi::changeJson(std::uint64_t id, const proxy::RecordingChange& change) {
  std::string out = "{\"id\":" + std::to_string(id) + ",\"recording\":";
  out += change.started ? "true" : "false";
  out += ",\"file\":";
  http::appendJsonString(out, change.file);
  if (!change.started) out += ",\"dropped\":" + std::to_string(change.dropped);
  out += '}';
  return out;
}

http::HttpReply RecordingsApi::start(std::uint64_t id, const std::string& body) {
  const auto request = parseBody(body);
  if (!request) return http::HttpReply::error(400, request.error());
  return http::HttpReply::later([this, id, request = *request](http::HttpReply::Send send) {
    const auto refused = proxy_.startRecording(
        id, request, [id, send](Result<proxy::RecordingChange, std::string> change) {
          if (!change) return send(http::HttpReply::error(409, "not recorded: " + change.error()));
          send(http::HttpReply::json(changeJson(id, *change), 201));
        });
    if (refused != Refusal::None) send(refusalReply(refused));
  });
}

http::HttpReply RecordingsApi::stop(std::uint64_t id) {
  return http::HttpReply::later([this, id](http::HttpReply::Send send) {
    const auto refused =
        proxy_.stopRecording(id, [id, send](Result<proxy::RecordingChange, std::string> change) {
          if (!change) return send(http::HttpReply::error(409, "not stopped: " + change.error()));
          send(http::HttpReply::json(changeJson(id, *change)));
        });
    if (refused != Refusal::None) send(refusalReply(refused));
  });
}

void RecordingsApi::registerRoutes(http::HttpServer& server) {
  server.add("POST", "/api/v1/calls/{id}/recording",
             "record the call {format: wav|pcap, mix: stereo|mono}: call.recording follows",
             [this](const http::HttpRequest& request) {
               return start(callIdParam(request), request.body);
             });
  server.add("DELETE", "/api/v1/calls/{id}/recording", "stop recording the call",
             [this](const http::HttpRequest& request) { return stop(callIdParam(request)); });
}

// routes[].record: the call is recorded from its answer on.
void RecordingsApi::onCallEvent(proxy::CallEvent event, const proxy::Dialog& dialog) {
  if (event != proxy::CallEvent::Answered || !(dialog.caller.record || dialog.callee.record)) {
    return;
  }
  const auto refused = proxy_.startRecording(
      dialog.id, {}, [callId = dialog.callId](Result<proxy::RecordingChange, std::string> change) {
        if (!change) spdlog::warn("call {}: its route records it, but: {}", callId, change.error());
      });
  if (refused == Refusal::NotPossible) {
    spdlog::warn("call {}: its route records it, but its media does not go through the relay",
                 dialog.callId);
  }
}

}  // namespace rtcgate::api
