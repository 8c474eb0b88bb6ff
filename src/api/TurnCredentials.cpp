#include "api/TurnCredentials.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>

#include "http/Json.hpp"

namespace rtcgate::api {

std::string turnPassword(std::string_view secret, std::string_view username) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(username.data()), username.size(), digest, &length);
  // EVP_EncodeBlock writes 4 characters per 3 bytes and a terminating NUL.
  std::string encoded(4 * ((length + 2) / 3) + 1, '\0');
  const int written =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()), digest, length);
  encoded.resize(static_cast<std::size_t>(written));
  return encoded;
}

TurnCredentials TurnCredentials::make(std::string_view secret, std::string_view user,
                                      std::int64_t nowUnix, std::uint32_t ttl) {
  TurnCredentials credentials;
  credentials.username = std::to_string(nowUnix + ttl) + ":" + std::string(user);
  credentials.password = turnPassword(secret, credentials.username);
  credentials.ttl = ttl;
  return credentials;
}

std::string TurnCredentials::toJson(const std::vector<std::string>& uris) const {
  std::string out = "{\"username\":";
  http::appendJsonString(out, username);
  out += ",\"password\":";
  http::appendJsonString(out, password);
  out += ",\"ttl\":" + std::to_string(ttl) + ",\"uris\":[";
  for (std::size_t i = 0; i < uris.size(); ++i) {
    if (i > 0) out += ',';
    http::appendJsonString(out, uris[i]);
  }
  out += "]}";
  return out;
}

bool isValidTurnUser(std::string_view user) {
  constexpr std::size_t kMaxLength = 64;
  return !user.empty() && user.size() <= kMaxLength &&
         std::all_of(user.begin(), user.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ||
                  c == '@' || c == '+';
         });
}

}  // namespace rtcgate::api
