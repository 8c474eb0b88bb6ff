#include "app/RelayWatch.hpp"

#include "http/Json.hpp"

namespace rtcgate::app {

using http::appendJsonString;

RelayWatch::RelayWatch(mediacontrol::MediaControl& inner, Publish publish)
    : inner_(inner), publish_(std::move(publish)) {}

std::string RelayWatch::relayFields(const mediacontrol::RelayPool::RelayState& relay) {
  std::string out = "{\"relay\":";
  appendJsonString(out, relay.address.toString());
  out += ",\"failures\":";
  out += std::to_string(relay.failures);
  out += '}';
  return out;
}

std::string RelayWatch::relayErrorFields(std::string_view command, std::string_view callId,
                                         std::string_view reason, bool answered) {
  // Refused: the relay answered "error"; unreachable: no reply at all.
  std::string out = answered ? "{\"what\":\"relay-refused\"" : "{\"what\":\"relay-unreachable\"";
  out += ",\"command\":";
  appendJsonString(out, command);
  out += ",\"call_id\":";
  appendJsonString(out, callId);
  out += ",\"reason\":";
  appendJsonString(out, reason);
  out += '}';
  return out;
}

void RelayWatch::request(ng::Value request, Callback done) {
  const std::string_view command = request.stringAt("command");
  // Only the calls' SDP exchanges: a failed query or delete is routine (the call is gone).
  if (command != "offer" && command != "answer") {
    inner_.request(std::move(request), std::move(done));
    return;
  }
  std::string callId(request.stringAt("call-id"));
  std::string name(command);
  inner_.request(std::move(request), [this, command = std::move(name), callId = std::move(callId),
                                      done = std::move(done)](Reply reply) mutable {
    if (!reply) {
      publish_("error", relayErrorFields(command, callId, reply.error().reason, false));
    } else if (const auto refusal = mediacontrol::RelayError::refusalIn(*reply)) {
      publish_("error", relayErrorFields(command, callId, refusal->reason, true));
    }
    done(std::move(reply));
  });
}

void RelayWatch::watch(mediacontrol::RelayPool& pool) {
  pool.onHealthChange([this](const mediacontrol::RelayPool::RelayState& relay) {
    publish_(relay.alive ? "relay.up" : "relay.down", relayFields(relay));
  });
}

void RelayWatch::onCallEvent(proxy::CallEvent event, const proxy::Dialog& dialog) {
  if (event != proxy::CallEvent::Ended ||
      (dialog.endReason != "media-timeout" && dialog.endReason != "relay-lost")) {
    return;
  }
  std::string out = "{\"what\":";
  appendJsonString(out, dialog.endReason);
  out += ",\"call_id\":";
  appendJsonString(out, dialog.callId);
  out += ",\"call\":";
  out += std::to_string(dialog.id);
  out += '}';
  publish_("error", out);
}

}  // namespace rtcgate::app
