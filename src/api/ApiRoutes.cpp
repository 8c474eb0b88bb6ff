#include "api/ApiRoutes.hpp"

#include <chrono>

#include "api/OpenApi.hpp"
#include "base/Version.hpp"
#include "http/Json.hpp"

namespace rtcgate::api {
namespace {

http::HttpReply unavailable(std::string_view what) {
  return http::HttpReply::error(503, std::string(what) + " not available in this gateway");
}

void appendRegistration(std::string& out, const RegistrationInfo& info) {
  out += "{\"aor\":";
  http::appendJsonString(out, info.aor);
  out += ",\"contact\":";
  http::appendJsonString(out, info.contact);
  out += ",\"transport\":";
  http::appendJsonString(out, info.transport);
  out += ",\"source\":";
  http::appendJsonString(out, info.source);
  out += ",\"connection_id\":" + std::to_string(info.connectionId);
  out += ",\"expires_in\":" + std::to_string(info.expiresIn);
  out += ",\"user_agent\":";
  http::appendJsonString(out, info.userAgent);
  out += '}';
}

}  // namespace

HealthLevel overallHealth(const std::vector<HealthCheck>& checks) {
  HealthLevel worst = HealthLevel::Healthy;
  for (const HealthCheck& check : checks) {
    if (static_cast<int>(check.level) > static_cast<int>(worst)) worst = check.level;
  }
  return worst;
}

const char* healthLevelName(HealthLevel level) {
  switch (level) {
    case HealthLevel::Healthy:
      return "healthy";
    case HealthLevel::Degraded:
      return "degraded";
    case HealthLevel::Critical:
      return "critical";
  }
  return "critical";
}

std::string healthJson(const std::vector<HealthCheck>& checks, std::int64_t uptimeSeconds) {
  std::string out = "{\"status\":";
  http::appendJsonString(out, healthLevelName(overallHealth(checks)));
  out += ",\"reasons\":[";
  bool first = true;
  for (const HealthCheck& check : checks) {
    if (check.level == HealthLevel::Healthy) continue;
    if (!first) out += ',';
    first = false;
    http::appendJsonString(out, check.name + ": " + check.reason);
  }
  out += "],\"checks\":[";
  for (std::size_t i = 0; i < checks.size(); ++i) {
    if (i > 0) out += ',';
    out += "{\"name\":";
    http::appendJsonString(out, checks[i].name);
    out += ",\"status\":";
    http::appendJsonString(out, healthLevelName(checks[i].level));
    out += ",\"reason\":";
    http::appendJsonString(out, checks[i].reason);
    out += '}';
  }
  out += "],\"uptime_seconds\":" + std::to_string(uptimeSeconds);
  out += ",\"version\":";
  http::appendJsonString(out, kVersion);
  out += '}';
  return out;
}

std::string_view aorUser(std::string_view aor) {
  const auto at = aor.find('@');
  if (at == std::string_view::npos) return aor;
  std::string_view user = aor.substr(0, at);
  const auto colon = user.find(':');
  if (colon != std::string_view::npos) user.remove_prefix(colon + 1);
  return user;
}

std::string registrationsJson(const std::vector<RegistrationInfo>& registrations,
                              std::string_view userFilter) {
  std::string out = "{\"registrations\":[";
  bool first = true;
  for (const RegistrationInfo& info : registrations) {
    if (!userFilter.empty() && aorUser(info.aor) != userFilter && info.aor != userFilter) continue;
    if (!first) out += ',';
    first = false;
    appendRegistration(out, info);
  }
  out += "]}";
  return out;
}

void addApiRoutes(http::HttpServer& server, const http::MetricsRegistry& metrics,
                  const Timers& timers, ApiProviders providers) {
  server.add("GET", "/metrics", "Prometheus text exposition of all metrics",
             [&metrics](const http::HttpRequest&) {
               return http::HttpReply{200, http::MetricsRegistry::kPrometheusContentType,
                                      metrics.renderPrometheus()};
             });

  const Clock::time_point started = timers.now();
  server.add("GET", "/api/v1/health", "overall status with reasons, uptime and version",
             [&timers, started, health = providers.health](const http::HttpRequest&) {
               const auto checks = health ? health() : std::vector<HealthCheck>{};
               const auto uptime =
                   std::chrono::duration_cast<std::chrono::seconds>(timers.now() - started);
               // Critical answers 503 so plain HTTP probes (load balancers) notice too.
               const unsigned status = overallHealth(checks) == HealthLevel::Critical ? 503 : 200;
               return http::HttpReply::json(healthJson(checks, uptime.count()), status);
             });

  server.add("GET", "/api/v1/stats", "every metric as JSON", [&metrics](const http::HttpRequest&) {
    return http::HttpReply::json("{\"metrics\":" + metrics.renderJson() + "}");
  });

  server.add("GET", "/api/v1/registrations", "registered contacts; ?user=alice filters",
             [list = providers.registrations](const http::HttpRequest& request) {
               if (!list) return unavailable("registrations");
               const auto user = request.query.find("user");
               return http::HttpReply::json(registrationsJson(
                   list(), user == request.query.end() ? std::string_view{} : user->second));
             });

  server.add("DELETE", "/api/v1/registrations/{aor}", "unregister every contact of an AoR",
             [remove = providers.removeRegistrations](const http::HttpRequest& request) {
               if (!remove) return unavailable("registrations");
               const std::string& aor = request.params.at("aor");
               const std::size_t removed = remove(aor);
               if (removed == 0) return http::HttpReply::error(404, "no registration for " + aor);
               std::string body = "{\"aor\":";
               http::appendJsonString(body, aor);
               body += ",\"removed\":" + std::to_string(removed) + "}";
               return http::HttpReply::json(std::move(body));
             });

  server.add("GET", "/api/v1/openapi.json", "OpenAPI 3 description of this API",
             [](const http::HttpRequest&) {
               return http::HttpReply::json(std::string(openApiDocument()));
             });
}

}  // namespace rtcgate::api
