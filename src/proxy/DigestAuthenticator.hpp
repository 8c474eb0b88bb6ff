#pragma once

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/NonceManager.hpp"
#include "sip/Digest.hpp"
#include "sip/SipMessage.hpp"
#include "sip/SipUri.hpp"
#include "store/Store.hpp"

namespace rtcgate::proxy {

enum class AuthOutcome {
  Authenticated,
  NoCredentials,  // nothing for our realm: challenge
  WrongPassword,  // the response does not match: challenge again (and count it)
  UnknownUser,    // no such subscriber in the realm: challenge again, like a wrong password
  StaleNonce,     // right password, but the nonce expired, is unknown or was replayed:
                  // challenge with stale=true so the client retries without asking the user
  Malformed,      // unparseable credentials, unsupported algorithm/qop, uri mismatch: 400
};

struct AuthResult {
  AuthOutcome outcome = AuthOutcome::NoCredentials;
  std::string user;  // the authenticated username, for Authenticated
  sip::DigestAlgorithm algorithm = sip::DigestAlgorithm::Md5;
  const char* reason = "";  // why, for logs and the 400 reason phrase

  bool authenticated() const { return outcome == AuthOutcome::Authenticated; }
};

// The HA1 of user@realm for the algorithm, or nullopt when there is no such user.
using Ha1Lookup = std::function<std::optional<std::string>(
    std::string_view user, std::string_view realm, sip::DigestAlgorithm algorithm)>;

// HTTP digest for SIP (RFC 3261 22, RFC 7616, RFC 8760): challenges offer the configured
// algorithms in order with qop=auth; verification accepts any of them, with or without qop
// (legacy RFC 2069 clients), and refuses replays through the NonceManager. The Request-URI the
// client signed must be the one it sent, so a captured response cannot be replayed against another
// target. I/O-free.
class DigestAuthenticator {
 public:
  explicit DigestAuthenticator(NonceManager& nonces) : nonces_(nonces) {}

  // The algorithms offered, in this order (the default: SHA-256, then MD5). Clients read the
  // first challenge (sipp 3.6, many phones) or the last (JsSIP, SIP.js): ProxyCore keeps one
  // authenticator per kind of transport. Credentials with an algorithm not listed are refused
  // as malformed.
  void setAlgorithms(std::vector<sip::DigestAlgorithm> algorithms);

  // One header value per offered algorithm, in preference order, sharing one fresh nonce.
  std::vector<std::string> challengeValues(std::string_view realm, bool stale);
  // The 401 (REGISTER, WWW-Authenticate) or 407 (anything else, Proxy-Authenticate) response.
  sip::SipMessage challenge(const sip::SipMessage& request, std::string_view realm, bool stale,
                            std::string_view toTag = {});

  // Checks the request's credentials for realm: Authorization for REGISTER, Proxy-Authorization
  // for other requests (proxyAuth decides).
  AuthResult verify(const sip::SipMessage& request, bool proxyAuth, std::string_view realm,
                    const Ha1Lookup& lookup);
  // Same, reading the HA1 from the subscribers table (realm = domain). A store failure counts as
  // an unknown user: the client is challenged again rather than let in.
  AuthResult verify(const sip::SipMessage& request, bool proxyAuth, std::string_view realm,
                    store::Store& store);

  // A subscriber row for user@domain with both HA1 hashes (realm = domain): what
  // `rtcgate user add` stores, so the password itself is never written anywhere.
  static store::Subscriber makeSubscriber(std::string_view user, std::string_view domain,
                                          std::string_view password);
  // Convenience for the CLI: makeSubscriber + Store::putSubscriber (insert or update).
  static store::Status addSubscriber(store::Store& store, std::string_view user,
                                     std::string_view domain, std::string_view password);

 private:
  AuthResult check(const sip::SipMessage& request, const sip::DigestCredentials& credentials,
                   std::string_view realm, const Ha1Lookup& lookup);

  NonceManager& nonces_;
  std::vector<sip::DigestAlgorithm> algorithms_{sip::DigestAlgorithm::Sha256,
                                                sip::DigestAlgorithm::Md5};
};

}  // namespace rtcgate::proxy
