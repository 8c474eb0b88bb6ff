#include "events/CdrWriter.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>

#include "events/CallJson.hpp"
#include "http/Json.hpp"

namespace rtcgate::events {
namespace {

void field(std::string& out, const char* name, std::string_view value) {
  out += ",\"";
  out += name;
  out += "\":";
  http::appendJsonString(out, value);
}

void field(std::string& out, const char* name, std::int64_t value) {
  out += ",\"";
  out += name;
  out += "\":" + std::to_string(value);
}

}  // namespace

CdrWriter::CdrWriter(std::string path, store::Store* store)
    : path_(std::move(path)), store_(store) {
  if (path_.empty()) return;
  file_ = std::fopen(path_.c_str(), "a");
  if (file_ == nullptr) spdlog::error("calls.cdr_file: cannot open {} for appending", path_);
}

CdrWriter::~CdrWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

store::CdrRecord CdrWriter::record(const proxy::Dialog& call, const ng::Value* mediaReport) {
  store::CdrRecord cdr;
  cdr.callId = call.callId;
  cdr.from = call.caller.uri;
  cdr.to = call.callee.uri;
  cdr.sourceTransport = sip::transportParamName(call.caller.flow.transport);
  if (!call.callee.tag.empty()) {
    cdr.destinationTransport = sip::transportParamName(call.callee.flow.transport);
  }
  cdr.start = proxy::unixSeconds(call.created);
  cdr.answer = proxy::unixSeconds(call.answered);
  cdr.end = proxy::unixSeconds(call.ended);
  if (call.answered != proxy::SystemTime{}) {
    cdr.duration =
        std::chrono::duration_cast<std::chrono::seconds>(call.ended - call.answered).count();
  }
  cdr.endReason = call.endReason;
  cdr.sipCode = call.endCode;
  cdr.mediaJson = mediaQualityJson(call, mediaReport);
  return cdr;
}

std::string CdrWriter::toJson(const store::CdrRecord& cdr) {
  std::string out = "{\"call_id\":";
  http::appendJsonString(out, cdr.callId);
  field(out, "from", cdr.from);
  field(out, "to", cdr.to);
  field(out, "source_transport", cdr.sourceTransport);
  field(out, "destination_transport", cdr.destinationTransport);
  field(out, "start", cdr.start);
  field(out, "answer", cdr.answer);
  field(out, "end", cdr.end);
  field(out, "duration", cdr.duration);
  field(out, "end_reason", cdr.endReason);
  field(out, "sip_code", cdr.sipCode);
  if (!cdr.mediaJson.empty()) out += ",\"media\":" + cdr.mediaJson;
  out += '}';
  return out;
}

std::string CdrWriter::format(const proxy::Dialog& call, const ng::Value* mediaReport) {
  return toJson(record(call, mediaReport));
}

void CdrWriter::write(const proxy::Dialog& call, const ng::Value* mediaReport) {
  const auto cdr = record(call, mediaReport);
  if (store_ != nullptr && !store_->saveCdr(cdr))
    spdlog::warn("store: CDR of {} lost", call.callId);
  ++written_;
  if (file_ == nullptr) return;
  auto line = toJson(cdr);
  line += '\n';
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0) {
    spdlog::warn("calls.cdr_file: writing {} failed", path_);
  }
}

void CdrWriter::registerRoutes(http::HttpServer& server) {
  if (store_ == nullptr) return;
  server.add("GET", "/api/v1/cdrs", "the newest call detail records (?limit=N, default 50)",
             [this](const http::HttpRequest& request) {
               int limit = 50;
               if (auto it = request.query.find("limit"); it != request.query.end()) {
                 limit = std::clamp(std::atoi(it->second.c_str()), 1, 10000);
               }
               auto cdrs = store_->recentCdrs(limit);
               if (!cdrs) return http::HttpReply::error(503, cdrs.error());
               std::string out = "{\"cdrs\":[";
               for (std::size_t i = 0; i < cdrs->size(); ++i) {
                 if (i) out += ',';
                 out += toJson((*cdrs)[i]);
               }
               out += "]}";
               return http::HttpReply::json(std::move(out));
             });
}

}  // namespace rtcgate::events
