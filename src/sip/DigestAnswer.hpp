#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/Result.hpp"
#include "sip/HeaderId.hpp"
#include "sip/SipMessage.hpp"

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

// A user agent's reply to a 401 / 407 it got (RFC 3261 22.3): the header to add to the request it
// sends again (Authorization or Proxy-Authorization) and its value.
struct ChallengeReply {
  HeaderId header = HeaderId::Authorization;
  std::string value;
};

// Answers `response`'s challenge for a request that has had `answered` of its challenges answered
// already: once, and a second time only when the new challenge says just that the nonce went stale
// (a second plain challenge means the credentials were refused). An error when it must not or
// cannot be answered: no credentials, no challenge we know, refused credentials.
Result<ChallengeReply> answerChallenge(const SipMessage& response, std::string_view method,
                                       std::string_view uri, std::string_view username,
                                       std::string_view password, int answered,
                                       std::uint32_t nonceCount = 1);

}  // namespace rtcgate::sip
