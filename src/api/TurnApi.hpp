#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/Timers.hpp"
#include "http/HttpServer.hpp"

namespace rtcgate::api {

// TURN credentials for browsers (docs/API.md, docs/configuration.md "Browsers behind firewalls:
// TURN"): GET /api/v1/turn-credentials[?user=] behind the API token, for an application's own
// backend; and the demo phone's /phone/turn-credentials, public because the phone has no token,
// so it takes no user (always "phone") and is rate-limited for the whole gateway.
class TurnApi {
 public:
  struct Settings {
    std::vector<std::string> uris;  // webrtc.ice_servers
    std::string secret;             // coturn's static-auth-secret; empty: no credentials
    std::uint32_t ttl = 86400;
  };
  struct Answer {
    unsigned status = 200;
    std::string body;  // the credentials' JSON, or {"error": ...}
  };

  static constexpr const char* kDefaultUser = "rtcgate";
  static constexpr const char* kPhoneUser = "phone";
  // The phone's endpoint: a burst of this many, then this many a second, whoever asks.
  static constexpr double kPhoneBurst = 20;
  static constexpr double kPhonePerSecond = 2;

  TurnApi(Settings settings, const Timers& timers);

  void registerRoutes(http::HttpServer& server);
  Answer credentialsFor(std::string_view user) const;
  Answer phoneCredentials();

 private:
  Answer unconfigured() const;

  Settings settings_;
  const Timers& timers_;
  double phoneTokens_ = kPhoneBurst;
  Clock::time_point phoneRefilled_;
};

}  // namespace rtcgate::api
