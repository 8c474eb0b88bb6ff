#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/Timers.hpp"
#include "http/HttpServer.hpp"
#include "http/MetricsRegistry.hpp"

namespace rtcgate::api {

enum class HealthLevel { Healthy, Degraded, Critical };

// One health check result ("store", "relay", "listeners"...). The overall status is the worst
// level; every check that is not healthy contributes "<name>: <reason>" to the reasons.
struct HealthCheck {
  std::string name;
  HealthLevel level = HealthLevel::Healthy;
  std::string reason;
};

// One registered contact as the API lists it; plain data so admin needs no proxy types.
struct RegistrationInfo {
  std::string aor;                 // "sip:alice@example.com"
  std::string contact;             // Contact URI as registered
  std::string transport;           // "udp", "tcp", "tls", "ws", "wss"
  std::string source;              // "192.0.2.1:5060" the REGISTER came from
  std::uint64_t connectionId = 0;  // 0 when not connection-bound
  std::int64_t expiresIn = 0;      // seconds left
  std::string userAgent;
};

// What the gateway plugs in; every provider may be left empty (the endpoint then answers 503).
struct ApiProviders {
  std::function<std::vector<HealthCheck>()> health;
  std::function<std::vector<RegistrationInfo>()> registrations;
  // Removes every binding of the AoR (as given in the path, e.g. "sip:alice@example.com" or
  // "alice"); returns how many were removed.
  std::function<std::size_t(std::string_view aor)> removeRegistrations;
};

// Registers the foundation endpoints of the management API on `server`:
//   GET /metrics, GET /api/v1/health, GET /api/v1/stats, GET /api/v1/registrations[?user=],
//   DELETE /api/v1/registrations/{aor}, GET /api/v1/openapi.json.
// `metrics` and `timers` must outlive the server; uptime counts from this call.
void addApiRoutes(http::HttpServer& server, const http::MetricsRegistry& metrics,
                  const Timers& timers, ApiProviders providers);

// Building blocks, public for tests and for the `ctl` client.
HealthLevel overallHealth(const std::vector<HealthCheck>& checks);
const char* healthLevelName(HealthLevel level);
std::string healthJson(const std::vector<HealthCheck>& checks, std::int64_t uptimeSeconds);
std::string registrationsJson(const std::vector<RegistrationInfo>& registrations,
                              std::string_view userFilter);
// The user part of "sip:alice@example.com" ("alice"); the whole AoR when it has no '@'.
std::string_view aorUser(std::string_view aor);

}  // namespace rtcgate::api
