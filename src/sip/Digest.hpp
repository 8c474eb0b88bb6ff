#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/Result.hpp"

namespace rtcgate::sip {

// Authorization / Proxy-Authorization credentials (RFC 3261 22.4, RFC 7616/8760). Values are
// unquoted views; quoted-pair escapes inside quoted strings are left as written (rare in practice).
struct DigestCredentials {
  std::string_view scheme;  // "Digest" (anything else is returned with the rest empty)
  std::string_view username;
  std::string_view realm;
  std::string_view nonce;
  std::string_view uri;
  std::string_view response;
  std::string_view algorithm;  // "" means MD5
  std::string_view cnonce;
  std::string_view opaque;
  std::string_view qop;
  std::string_view nc;
  std::string_view stale;  // challenges only: "true" when the answered nonce had expired
};

Result<DigestCredentials> parseDigestCredentials(std::string_view headerValue);

enum class DigestAlgorithm { Md5, Sha256 };

// The algorithm parameter ("" and "MD5" -> Md5, "SHA-256" -> Sha256, case-insensitive); nullopt for
// anything else (including the -sess variants, which we do not offer).
std::optional<DigestAlgorithm> digestAlgorithmFromName(std::string_view name);

// Lower-case hex of H(data) for the algorithm.
std::string digestHash(DigestAlgorithm algorithm, std::string_view data);
// HA1 = H(username:realm:password)
std::string digestHa1(DigestAlgorithm algorithm, std::string_view username, std::string_view realm,
                      std::string_view password);
// The expected response for the credentials given the stored HA1 and the request method: qop=auth
// (RFC 2617 3.2.2.1) or no qop (RFC 2069 compatibility); "" for qop=auth-int (not supported).
std::string digestResponse(DigestAlgorithm algorithm, std::string_view ha1, std::string_view method,
                           const DigestCredentials& credentials);

}  // namespace rtcgate::sip
