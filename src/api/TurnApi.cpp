#include "api/TurnApi.hpp"

#include <algorithm>
#include <chrono>

#include "api/TurnCredentials.hpp"
#include "http/Json.hpp"

namespace rtcgate::api {

namespace {

std::string errorJson(std::string_view message) {
  std::string out = "{\"error\":";
  http::appendJsonString(out, message);
  return out + "}";
}

}  // namespace

TurnApi::TurnApi(Settings settings, const Timers& timers)
    : settings_(std::move(settings)), timers_(timers), phoneRefilled_(timers.now()) {}

void TurnApi::registerRoutes(http::HttpServer& server) {
  server.add("GET", "/api/v1/turn-credentials",
             "short-lived TURN credentials (coturn use-auth-secret); ?user= names the user",
             [this](const http::HttpRequest& request) {
               const auto user = request.query.find("user");
               const auto answer =
                   credentialsFor(user == request.query.end() ? kDefaultUser : user->second);
               return http::HttpReply::json(answer.body, answer.status);
             });
}

TurnApi::Answer TurnApi::unconfigured() const {
  return {503, errorJson("no TURN secret configured (webrtc.turn_secret_file)")};
}

TurnApi::Answer TurnApi::credentialsFor(std::string_view user) const {
  if (settings_.secret.empty()) return unconfigured();
  if (!isValidTurnUser(user)) {
    return {400, errorJson("user: 1 to 64 letters, digits or ._-@+")};
  }
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(timers_.wallNow().time_since_epoch());
  return {200, TurnCredentials::make(settings_.secret, user, now.count(), settings_.ttl)
                   .toJson(settings_.uris)};
}

TurnApi::Answer TurnApi::phoneCredentials() {
  if (settings_.secret.empty()) return unconfigured();
  const auto now = timers_.now();
  const std::chrono::duration<double> elapsed = now - phoneRefilled_;
  phoneRefilled_ = now;
  phoneTokens_ = std::min(kPhoneBurst, phoneTokens_ + elapsed.count() * kPhonePerSecond);
  if (phoneTokens_ < 1) return {429, errorJson("too many TURN credential requests; retry later")};
  phoneTokens_ -= 1;
  return credentialsFor(kPhoneUser);
}

}  // namespace rtcgate::api
