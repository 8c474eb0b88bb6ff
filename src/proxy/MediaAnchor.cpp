#include "proxy/MediaAnchor.hpp"

#include <spdlog/spdlog.h>

#include "base/LogContext.hpp"

namespace rtcgate::proxy {

void MediaAnchor::offer(const SdpExchange& exchange, SdpDone done) {
  ++stats_.offers;
  this->exchange("offer", exchange, std::move(done));
}

void MediaAnchor::answer(const SdpExchange& exchange, SdpDone done) {
  ++stats_.answers;
  this->exchange("answer", exchange, std::move(done));
}

void MediaAnchor::exchange(const char* command, const SdpExchange& exchange, SdpDone done) {
  ng::Value request = ng::Value::dict();
  request.set("command", command);
  request.set("call-id", exchange.callId);
  request.set("from-tag", exchange.fromTag);
  if (!exchange.toTag.empty()) request.set("to-tag", exchange.toTag);
  if (!exchange.viaBranch.empty()) request.set("via-branch", exchange.viaBranch);
  request.set("sdp", exchange.sdp);
  exchange.settings.writeTo(request);
  control_.request(
      std::move(request), [this, alive = alive_, callId = exchange.callId, command,
                           done = std::move(done)](mediacontrol::MediaControl::Reply reply) {
        if (!*alive) return;
        const LogCallScope logScope(callId);  // what the reply leads to is logged for the call
        if (!reply) {
          ++stats_.failures;
          spdlog::warn("call {}: media relay did not answer the {} ({}): {}", callId, command,
                       mediacontrol::kindName(reply.error().kind), reply.error().reason);
          return done(mediacontrol::RelayError{reply.error().kind, "media relay unreachable"});
        }
        if (auto refusal = mediacontrol::RelayError::refusalIn(*reply, "sdp")) {
          ++stats_.failures;
          spdlog::warn("call {}: media relay refused the {}: {}", callId, command, refusal->reason);
          return done(std::move(*refusal));
        }
        done(std::string(reply->stringAt("sdp")));
      });
}

void MediaAnchor::remove(const std::string& callId, const std::string& fromTag,
                         const std::string& viaBranch, QueryDone done) {
  ++stats_.deletes;
  ng::Value request = mediacontrol::MediaControl::remove(callId, fromTag);
  if (!viaBranch.empty()) request.set("via-branch", viaBranch);
  // Now, not after RTPEngine's default delete delay (30 s): the call is over.
  request.set("delete delay", ng::Value::integer(0));
  if (!done || !fromTag.empty() || control_.deleteReplyHasStatistics()) {
    return sendDelete(std::move(request), callId, std::move(done), nullptr);
  }
  // The final statistics come from a query just before the delete (whatever its outcome, the
  // delete goes).
  control_.request(mediacontrol::MediaControl::query(callId),
                   [this, alive = alive_, request = std::move(request), callId,
                    done = std::move(done)](mediacontrol::MediaControl::Reply reply) mutable {
                     if (!*alive) return;
                     auto report = reply && reply->stringAt("result") == "ok"
                                       ? std::make_shared<ng::Value>(std::move(*reply))
                                       : nullptr;
                     sendDelete(std::move(request), callId, std::move(done), std::move(report));
                   });
}

void MediaAnchor::sendDelete(ng::Value request, std::string callId, QueryDone done,
                             std::shared_ptr<ng::Value> report) {
  control_.request(std::move(request),
                   [callId = std::move(callId), alive = alive_, done = std::move(done),
                    report = std::move(report)](mediacontrol::MediaControl::Reply reply) {
                     if (!*alive) return;
                     const LogCallScope logScope(callId);
                     if (!reply) {
                       spdlog::warn("call {}: media relay did not answer the delete: {}", callId,
                                    reply.error().reason);
                       if (done) done(std::move(reply));
                       return;
                     }
                     if (!done) return;
                     if (report && reply->stringAt("result") == "ok")
                       return done(std::move(*report));
                     done(std::move(*reply));
                   });
}

void MediaAnchor::query(const std::string& callId, QueryDone done) {
  control_.request(
      mediacontrol::MediaControl::query(callId),
      [alive = alive_, done = std::move(done)](mediacontrol::MediaControl::Reply reply) {
        if (!*alive) return;
        done(std::move(reply));
      });
}

void MediaAnchor::playDtmf(const std::string& callId, const std::string& fromTag,
                           const std::string& digits, std::uint32_t durationMs, QueryDone done) {
  ng::Value play = ng::Value::dict();
  play.set("command", "play DTMF");
  play.set("call-id", callId);
  play.set("from-tag", fromTag);
  play.set("code", digits);
  play.set("duration", ng::Value::integer(durationMs));
  command(std::move(play), std::move(done));
}

void MediaAnchor::command(ng::Value request, QueryDone done) {
  control_.request(std::move(request), [alive = alive_, done = std::move(done)](
                                           mediacontrol::MediaControl::Reply reply) {
    if (!*alive) return;
    done(std::move(reply));
  });
}

}  // namespace rtcgate::proxy
