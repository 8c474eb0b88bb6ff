#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/Result.hpp"

namespace rtcgate::sip {

// The client side of digest (RFC 3261 22.2-22.3, RFC 8760): what a user agent -- here the
// gateway acting for a trunk -- writes in Authorization / Proxy-Authorization to answer a
// WWW-Authenticate / Proxy-Authenticate challenge.
struct DigestAnswer {
  std::string_view challenge;  // the challenge header's value ("Digest realm=..., nonce=...")
  std::string_view method;
  std::string_view uri;  // the Request-URI of the request that carries the answer
  std::string_view username;
  std::string_view password;
  std::string_view cnonce;  // fresh per answer (qop=auth)
  std::uint32_t nonceCount = 1;

  // The credentials' header value; an error for a challenge we cannot answer (not Digest, an
  // algorithm other than MD5 / SHA-256, qop offering only auth-int).
  Result<std::string> write() const;
};

// Of several challenges (a 401 may carry one per algorithm), the one to answer: the first with
// an algorithm we know, SHA-256 preferred over MD5 for the same realm (RFC 8760 2.4). Index into
// `challenges`, or -1 when none can be answered.
int pickDigestChallenge(const std::vector<std::string_view>& challenges);

// Whether a challenge says the nonce of our last answer was stale (stale=true): the credentials
// were right and the answer should be retried with the new nonce.
bool isStaleChallenge(std::string_view challenge);

}  // namespace rtcgate::sip
