#include "api/BansApi.hpp"

#include <spdlog/spdlog.h>

#include "http/Json.hpp"

namespace rtcgate::api {

void BansApi::registerRoutes(http::HttpServer& server) {
  server.add("GET", "/api/v1/bans", "sources banned for failed credentials (security.auth_ban)",
             [this](const http::HttpRequest&) { return list(); });
  server.add("DELETE", "/api/v1/bans/{source}", "lift the ban of one source address",
             [this](const http::HttpRequest& request) {
               const auto& source = request.params.at("source");
               if (!proxy_.authBans().lift(source)) {
                 return http::HttpReply::error(404, "no such ban");
               }
               spdlog::info("auth ban: source={} lifted through the API", source);
               return http::HttpReply::json("{\"lifted\":true}");
             });
}

http::HttpReply BansApi::list() {
  const auto now = proxy_.now();
  std::string out = "{\"bans\":[";
  bool first = true;
  for (const auto& ban : proxy_.authBans().active(now)) {
    if (!first) out += ',';
    first = false;
    out += "{\"source\":";
    http::appendJsonString(out, ban.source);
    out += ",\"seconds_left\":";
    out +=
        std::to_string(std::chrono::duration_cast<std::chrono::seconds>(ban.until - now).count());
    out += ",\"failures\":" + std::to_string(ban.failures) + ",\"reason\":";
    http::appendJsonString(out, ban.reason);
    out += '}';
  }
  out += "]}";
  return http::HttpReply::json(std::move(out));
}

io::Status BansApi::declareMetrics(http::MetricsRegistry& metrics) {
  auto& bans = proxy_.authBans();
  auto status =
      metrics.addCounter("rtcgate_auth_bans_total", "sources banned for failed credentials", {},
                         [&bans] { return static_cast<double>(bans.bansTotal()); });
  if (!status) return status;
  status = metrics.addCounter("rtcgate_auth_banned_requests_total",
                              "requests refused with 403 because their source is banned", {},
                              [&bans] { return static_cast<double>(bans.refusedTotal()); });
  if (!status) return status;
  return metrics.addGauge("rtcgate_auth_bans_active", "sources banned now", {}, [this] {
    return static_cast<double>(proxy_.authBans().active(proxy_.now()).size());
  });
}

}  // namespace rtcgate::api
