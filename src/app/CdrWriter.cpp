#include "app/CdrWriter.hpp"

#include <spdlog/spdlog.h>

#include "admin/Json.hpp"
#include "app/CallsApi.hpp"

namespace rtcgate::app {
namespace {

std::int64_t unixSeconds(proxy::SystemTime time) {
  if (time == proxy::SystemTime{}) return 0;
  return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

void field(std::string& out, const char* name, std::string_view value) {
  out += ",\"";
  out += name;
  out += "\":";
  admin::appendJsonString(out, value);
}

void field(std::string& out, const char* name, std::int64_t value) {
  out += ",\"";
  out += name;
  out += "\":" + std::to_string(value);
}

}  // namespace

CdrWriter::CdrWriter(std::string path) : path_(std::move(path)) {
  file_ = std::fopen(path_.c_str(), "a");
  if (file_ == nullptr) spdlog::error("calls.cdr_file: cannot open {} for appending", path_);
}

CdrWriter::~CdrWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

std::string CdrWriter::format(const proxy::Dialog& call, const ng::Value* mediaReport) {
  std::string out = "{\"id\":" + std::to_string(call.id);
  field(out, "call_id", call.callId);
  field(out, "from", call.caller.uri);
  field(out, "to", call.callee.uri);
  field(out, "source_transport", sip::transportParamName(call.caller.flow.transport));
  field(out, "source_address", call.caller.flow.remote.toString());
  field(out, "destination_transport", call.callee.tag.empty()
                                          ? std::string_view()
                                          : sip::transportParamName(call.callee.flow.transport));
  field(out, "destination_address",
        call.callee.tag.empty() ? std::string() : call.callee.flow.remote.toString());
  field(out, "start", unixSeconds(call.created));
  field(out, "answer", unixSeconds(call.answered));
  field(out, "end", unixSeconds(call.ended));
  const auto duration = call.answered == proxy::SystemTime{}
                            ? 0
                            : std::chrono::duration_cast<std::chrono::seconds>(call.ended -
                                                                               call.answered)
                                  .count();
  field(out, "duration", duration);
  field(out, "end_reason", call.endReason);
  field(out, "sip_code", call.endCode);
  out += ",\"media_anchored\":";
  out += call.anchored ? "true" : "false";
  if (mediaReport != nullptr) out += ",\"media\":" + CallsApi::mediaQualityJson(call, *mediaReport);
  out += '}';
  return out;
}

void CdrWriter::write(const proxy::Dialog& call, const ng::Value* mediaReport) {
  if (file_ == nullptr) return;
  auto line = format(call, mediaReport);
  line += '\n';
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0) {
    spdlog::warn("calls.cdr_file: writing {} failed", path_);
    return;
  }
  ++written_;
}

}  // namespace rtcgate::app
