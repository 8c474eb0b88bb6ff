// ProxyCore's recordings: the relay records an answered call through it (ng start recording,
// stop recording); the call keeps the file's path for its status and CDR, and its observers hear
// each start and stop (call.recording).
#include <spdlog/spdlog.h>

#include "proxy/ProxyCore.hpp"

namespace rtcgate::proxy {

namespace {

std::string relayRefusal(const mediacontrol::MediaControl::Reply& reply) {
  if (!reply) return "the media relay did not answer";
  const auto reason = reply->stringAt("error-reason");
  return reason.empty() ? std::string("the media relay refused") : std::string(reason);
}

}  // namespace

ProxyCore::RecordingRefusal ProxyCore::startRecording(std::uint64_t dialogId,
                                                      const RecordingRequest& request,
                                                      RecordingDone done) {
  Dialog* dialog = calls_.dialogs().findById(dialogId);
  if (dialog == nullptr) return RecordingRefusal::NoSuchCall;
  if (dialog->state != Dialog::State::Confirmed || !dialog->anchored || !calls_.hasMedia()) {
    return RecordingRefusal::NotPossible;
  }
  if (dialog->recording) return RecordingRefusal::Already;
  ng::Value start = ng::Value::dict();
  start.set("command", "start recording");
  start.set("call-id", dialog->callId);
  start.set("from-tag", dialog->caller.tag);  // the caller's channel first
  start.set("recording-format", request.format);
  start.set("recording-mix", request.mix);
  calls_.media()->command(std::move(start), [this, dialogId, done = std::move(done)](
                                                mediacontrol::MediaControl::Reply reply) {
    Dialog* dialog = calls_.dialogs().findById(dialogId);
    if (dialog == nullptr) return done(std::string("the call ended"));
    if (!reply || reply->stringAt("result") != "ok") {
      const auto why = relayRefusal(reply);
      spdlog::warn("call {}: recording not started: {}", dialog->callId, why);
      return done(why);
    }
    dialog->recording = true;
    dialog->recordingFile = std::string(reply->stringAt("recording-file"));
    spdlog::info("call {}: recording to {}", dialog->callId, dialog->recordingFile);
    const RecordingChange change{.started = true, .file = dialog->recordingFile};
    calls_.recordingEvent(*dialog, change);
    done(change);
  });
  return RecordingRefusal::None;
}

ProxyCore::RecordingRefusal ProxyCore::stopRecording(std::uint64_t dialogId, RecordingDone done) {
  Dialog* dialog = calls_.dialogs().findById(dialogId);
  if (dialog == nullptr) return RecordingRefusal::NoSuchCall;
  if (!dialog->recording) return RecordingRefusal::NotRecording;
  ng::Value stop = ng::Value::dict();
  stop.set("command", "stop recording");
  stop.set("call-id", dialog->callId);
  calls_.media()->command(std::move(stop), [this, dialogId, done = std::move(done)](
                                               mediacontrol::MediaControl::Reply reply) {
    Dialog* dialog = calls_.dialogs().findById(dialogId);
    if (dialog == nullptr) return done(std::string("the call ended"));
    if (!reply || reply->stringAt("result") != "ok") return done(relayRefusal(reply));
    dialog->recording = false;
    const ng::Value* dropped = reply->find("recording-dropped");
    const RecordingChange change{.started = false,
                                 .file = dialog->recordingFile,
                                 .reason = "api",
                                 .dropped = dropped != nullptr ? dropped->integerValue() : 0};
    spdlog::info("call {}: recording to {} stopped ({} packets dropped)", dialog->callId,
                 change.file, change.dropped);
    calls_.recordingEvent(*dialog, change);
    done(change);
  });
  return RecordingRefusal::None;
}

}  // namespace rtcgate::proxy
