#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rtcgate::api {

// Short-lived TURN credentials in coturn's use-auth-secret scheme (the "TURN REST API" draft,
// draft-uberti-behave-turn-rest): the username is "<expiry unix time>:<user>" and the password
// base64(HMAC-SHA1(static-auth-secret, username)). coturn recomputes the password from the
// username and refuses it once the expiry has passed, so rtcgate and coturn share only the secret.
struct TurnCredentials {
  std::string username;  // "1700086400:rtcgate"
  std::string password;  // base64, 28 characters
  std::uint32_t ttl = 0;

  // The credentials valid for `ttl` seconds from `nowUnix`.
  static TurnCredentials make(std::string_view secret, std::string_view user, std::int64_t nowUnix,
                              std::uint32_t ttl);

  // {"username":...,"password":...,"ttl":...,"uris":[...]}: the shape of the TURN REST API's
  // answer, which RTCIceServer takes as {urls, username, credential}.
  std::string toJson(const std::vector<std::string>& uris) const;
};

// base64(HMAC-SHA1(secret, message)).
std::string turnPassword(std::string_view secret, std::string_view username);

// A `user` part rtcgate puts into a username: 1 to 64 letters, digits and "._-@+". No ':' (it
// separates the expiry) and nothing that needs escaping anywhere.
bool isValidTurnUser(std::string_view user);

}  // namespace rtcgate::api
