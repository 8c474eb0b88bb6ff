#include "api/PlayApi.hpp"

#include <algorithm>

#include "api/CallIdParam.hpp"
#include "http/Json.hpp"
#include "http/JsonValue.hpp"

namespace rtcgate::api {

struct PlayApi::Pending {
  std::size_t waiting = 0;
  std::int64_t durationMs = 0;
  std::string error;
  http::HttpReply::Send send;
};

PlayApi::~PlayApi() {
  for (auto& [id, playing] : playing_) {
    if (playing.finish != 0) timers_.cancel(playing.finish);
  }
}

Result<PlayApi::PlayRequest> PlayApi::parseBody(std::string_view body) {
  const auto json = http::JsonValue::parse(body);
  if (!json || !json->isObject()) return Error{"the body must be a JSON object {\"file\", \"to\"}"};
  PlayRequest request;
  const auto& file = (*json)["file"];
  if (!file.isString() || file.asString().empty()) {
    return Error{"file must name a WAV in the relay's media directory"};
  }
  request.file = file.asString();
  const auto& to = (*json)["to"];
  if (!to.isNull()) {
    if (!to.isString() ||
        (to.asString() != "caller" && to.asString() != "callee" && to.asString() != "both")) {
      return Error{"to must be \"caller\", \"callee\" or \"both\""};
    }
    request.to = to.asString();
  }
  return request;
}

std::vector<std::string> PlayApi::senderTags(const proxy::Dialog& dialog, const std::string& to) {
  std::vector<std::string> tags;
  if (to != "caller") tags.push_back(dialog.caller.tag);  // toward the callee
  if (to != "callee") tags.push_back(dialog.callee.tag);  // toward the caller
  return tags;
}

http::HttpReply PlayApi::start(std::uint64_t id, const std::string& body) {
  const auto request = parseBody(body);
  if (!request) return http::HttpReply::error(422, request.error());
  proxy::Dialog* dialog = proxy_.calls().dialogs().findById(id);
  if (dialog == nullptr) return http::HttpReply::error(404, "no such call");
  if (dialog->state != proxy::Dialog::State::Confirmed || !dialog->anchored ||
      !proxy_.calls().hasMedia()) {
    return http::HttpReply::error(
        409, "only an answered call whose media goes through the relay can be played to");
  }
  const auto tags = senderTags(*dialog, request->to);
  const std::string callId = dialog->callId;
  return http::HttpReply::later([this, id, callId, tags, request = *request](auto send) {
    auto pending = std::make_shared<Pending>();
    pending->waiting = tags.size();
    pending->send = send;
    for (const std::string& tag : tags) {
      ng::Value play = ng::Value::dict();
      play.set("command", "play media");
      play.set("call-id", callId);
      play.set("from-tag", tag);
      play.set("file", request.file);
      proxy_.calls().media()->command(
          std::move(play),
          [this, id, callId, request, pending](mediacontrol::MediaControl::Reply reply) {
            if (!reply || reply->stringAt("result") != "ok") {
              pending->error = reply ? std::string(reply->stringAt("error-reason"))
                                     : std::string("the media relay did not answer");
            } else if (const ng::Value* duration = reply->find("duration")) {
              pending->durationMs = std::max(pending->durationMs, duration->integerValue());
            }
            if (--pending->waiting != 0) return;
            if (!pending->error.empty()) {
              return pending->send(http::HttpReply::error(422, "not played: " + pending->error));
            }
            started(id, {callId, request.file, request.to, pending->durationMs, 0});
            std::string out = "{\"id\":" + std::to_string(id) + ",\"file\":";
            http::appendJsonString(out, request.file);
            out += ",\"to\":\"" + request.to + "\",\"duration_ms\":";
            out += std::to_string(pending->durationMs) + "}";
            pending->send(http::HttpReply::json(out, 202));
          });
    }
  });
}

void PlayApi::started(std::uint64_t id, Playing playing) {
  if (auto it = playing_.find(id); it != playing_.end() && it->second.finish != 0) {
    timers_.cancel(it->second.finish);
  }
  playing.finish = timers_.start(Duration(playing.durationMs), [this, id] {
    auto it = playing_.find(id);
    if (it == playing_.end()) return;
    event(id, it->second, "finished");
    playing_.erase(it);
  });
  event(id, playing, "started");
  playing_[id] = std::move(playing);
}

http::HttpReply PlayApi::stop(std::uint64_t id) {
  proxy::Dialog* dialog = proxy_.calls().dialogs().findById(id);
  if (dialog == nullptr) return http::HttpReply::error(404, "no such call");
  auto it = playing_.find(id);
  if (it == playing_.end() || !proxy_.calls().hasMedia()) {
    return http::HttpReply::error(409, "nothing is playing into the call");
  }
  Playing playing = std::move(it->second);
  playing_.erase(it);
  if (playing.finish != 0) timers_.cancel(playing.finish);
  for (const std::string& tag : senderTags(*dialog, playing.to)) {
    ng::Value stop = ng::Value::dict();
    stop.set("command", "stop media");
    stop.set("call-id", playing.callId);
    stop.set("from-tag", tag);
    proxy_.calls().media()->command(std::move(stop), [](mediacontrol::MediaControl::Reply) {});
  }
  event(id, playing, "stopped", "api");
  std::string out = "{\"id\":" + std::to_string(id) + ",\"file\":";
  http::appendJsonString(out, playing.file);
  out += ",\"to\":\"" + playing.to + "\",\"stopped\":true}";
  return http::HttpReply::json(out);
}

void PlayApi::onCallEvent(proxy::CallEvent event, const proxy::Dialog& dialog) {
  if (event != proxy::CallEvent::Ended) return;
  const auto it = playing_.find(dialog.id);
  if (it == playing_.end()) return;
  // The relay's player went with the call's media.
  Playing playing = std::move(it->second);
  playing_.erase(it);
  if (playing.finish != 0) timers_.cancel(playing.finish);
  this->event(dialog.id, playing, "stopped", "call-ended");
}

void PlayApi::event(std::uint64_t id, const Playing& playing, std::string_view state,
                    std::string_view reason) {
  if (!publish_) return;
  std::string fields = "{\"call\":{\"id\":" + std::to_string(id) + ",\"call_id\":";
  http::appendJsonString(fields, playing.callId);
  fields += "},\"state\":\"" + std::string(state) + "\",\"file\":";
  http::appendJsonString(fields, playing.file);
  fields += ",\"to\":\"" + playing.to + "\",\"duration_ms\":";
  fields += std::to_string(playing.durationMs);
  if (!reason.empty()) fields += ",\"reason\":\"" + std::string(reason) + "\"";
  fields += '}';
  publish_("call.play", fields);
}

void PlayApi::registerRoutes(http::HttpServer& server) {
  server.add("POST", "/api/v1/calls/{id}/play",
             "play a WAV of the media directory into the call {file, to: caller|callee|both}",
             [this](const http::HttpRequest& request) {
               return start(callIdParam(request), request.body);
             });
  server.add("DELETE", "/api/v1/calls/{id}/play", "stop playing into the call",
             [this](const http::HttpRequest& request) { return stop(callIdParam(request)); });
}

}  // namespace rtcgate::api
