#include "mediacontrol/MediaControl.hpp"

namespace rtcgate::mediacontrol {
namespace {

ng::Value command(const char* name) {
  ng::Value request = ng::Value::dict();
  request.set("command", name);
  return request;
}

void setFlags(ng::Value& request, const std::vector<std::string>& flags) {
  if (flags.empty()) return;
  ng::Value& list = request.set("flags", ng::Value::list());
  for (const std::string& flag : flags) list.push(flag);
}

}  // namespace

ng::Value MediaControl::ping() { return command("ping"); }

ng::Value MediaControl::offer(const std::string& callId, const std::string& fromTag,
                              const std::string& sdp, const std::vector<std::string>& flags) {
  ng::Value request = command("offer");
  request.set("call-id", callId);
  request.set("from-tag", fromTag);
  request.set("sdp", sdp);
  setFlags(request, flags);
  return request;
}

ng::Value MediaControl::answer(const std::string& callId, const std::string& fromTag,
                               const std::string& toTag, const std::string& sdp,
                               const std::vector<std::string>& flags) {
  ng::Value request = command("answer");
  request.set("call-id", callId);
  request.set("from-tag", fromTag);
  request.set("to-tag", toTag);
  request.set("sdp", sdp);
  setFlags(request, flags);
  return request;
}

ng::Value MediaControl::remove(const std::string& callId, const std::string& fromTag,
                               const std::string& toTag) {
  ng::Value request = command("delete");
  request.set("call-id", callId);
  if (!fromTag.empty()) request.set("from-tag", fromTag);
  if (!toTag.empty()) request.set("to-tag", toTag);
  return request;
}

ng::Value MediaControl::query(const std::string& callId) {
  ng::Value request = command("query");
  request.set("call-id", callId);
  return request;
}

ng::Value MediaControl::list(int limit) {
  ng::Value request = command("list");
  request.set("limit", ng::Value::integer(limit));
  return request;
}

}  // namespace rtcgate::mediacontrol
