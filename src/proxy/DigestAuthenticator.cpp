#include "proxy/DigestAuthenticator.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>

namespace rtcgate::proxy {
namespace {

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::optional<sip::DigestAlgorithm> parseAlgorithm(std::string_view name) {
  if (name.empty() || equalsIgnoreCase(name, "MD5")) return sip::DigestAlgorithm::Md5;
  if (equalsIgnoreCase(name, "SHA-256")) return sip::DigestAlgorithm::Sha256;
  return std::nullopt;  // -sess variants and SHA-512-256 are never offered
}

// nc is exactly 8 hex digits (RFC 7616 3.4).
std::optional<std::uint32_t> parseNonceCount(std::string_view text) {
  if (text.size() != 8) return std::nullopt;
  std::uint32_t value = 0;
  for (char c : text) {
    const int digit = std::isxdigit(static_cast<unsigned char>(c))
                          ? (std::isdigit(static_cast<unsigned char>(c))
                                 ? c - '0'
                                 : std::tolower(static_cast<unsigned char>(c)) - 'a' + 10)
                          : -1;
    if (digit < 0) return std::nullopt;
    value = value << 4 | static_cast<std::uint32_t>(digit);
  }
  return value;
}

// Constant time, hex case-insensitive.
bool responseMatches(std::string_view expected, std::string_view given) {
  char lowered[128];
  if (given.size() != expected.size() || given.size() > sizeof lowered) return false;
  for (std::size_t i = 0; i < given.size(); ++i) {
    lowered[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(given[i])));
  }
  return CRYPTO_memcmp(expected.data(), lowered, given.size()) == 0;
}

bool sameRequestUri(std::string_view signedUri, std::string_view requestUri) {
  if (signedUri == requestUri) return true;
  auto a = sip::parseUri(signedUri);
  auto b = sip::parseUri(requestUri);
  return a.ok() && b.ok() && a->scheme != sip::UriScheme::Other && sip::uriEquivalent(*a, *b);
}

AuthResult result(AuthOutcome outcome, const char* reason) {
  AuthResult r;
  r.outcome = outcome;
  r.reason = reason;
  return r;
}

}  // namespace

void DigestAuthenticator::setAlgorithms(std::vector<sip::DigestAlgorithm> algorithms) {
  if (!algorithms.empty()) algorithms_ = std::move(algorithms);
}

std::vector<std::string> DigestAuthenticator::challengeValues(std::string_view realm, bool stale) {
  const std::string nonce = nonces_.issue();
  auto value = [&](std::string_view algorithm) {
    std::string text;
    text.reserve(realm.size() + nonce.size() + 64);
    text.append("Digest realm=\"").append(realm).append("\", nonce=\"").append(nonce);
    text.append("\", algorithm=").append(algorithm).append(", qop=\"auth\"");
    if (stale) text.append(", stale=true");
    return text;
  };
  std::vector<std::string> values;
  for (const auto algorithm : algorithms_) {
    values.push_back(value(algorithm == sip::DigestAlgorithm::Sha256 ? "SHA-256" : "MD5"));
  }
  return values;
}

sip::SipMessage DigestAuthenticator::challenge(const sip::SipMessage& request,
                                               std::string_view realm, bool stale,
                                               std::string_view toTag) {
  const bool isRegister = request.method() == sip::Method::Register;
  sip::SipMessage response =
      isRegister ? request.makeResponse(401, "Unauthorized", toTag)
                 : request.makeResponse(407, "Proxy Authentication Required", toTag);
  const auto header =
      isRegister ? sip::HeaderId::WwwAuthenticate : sip::HeaderId::ProxyAuthenticate;
  for (auto& value : challengeValues(realm, stale)) response.appendHeader(header, std::move(value));
  return response;
}

AuthResult DigestAuthenticator::verify(const sip::SipMessage& request, bool proxyAuth,
                                       std::string_view realm, const Ha1Lookup& lookup) {
  const auto id = proxyAuth ? sip::HeaderId::ProxyAuthorization : sip::HeaderId::Authorization;
  bool sawMalformed = false;
  for (const auto& header : request.headers()) {
    if (header.id != id) continue;
    auto credentials = sip::parseDigestCredentials(header.value);
    if (!credentials.ok() || !equalsIgnoreCase(credentials->scheme, "Digest")) {
      sawMalformed = true;
      continue;
    }
    // Credentials for other realms belong to other proxies on the path (RFC 3261 22.3).
    if (credentials->realm != realm) continue;
    return check(request, *credentials, realm, lookup);
  }
  return sawMalformed ? result(AuthOutcome::Malformed, "malformed credentials")
                      : result(AuthOutcome::NoCredentials, "no credentials for realm");
}

AuthResult DigestAuthenticator::verify(const sip::SipMessage& request, bool proxyAuth,
                                       std::string_view realm, store::Store& store) {
  const Ha1Lookup lookup = [&store](std::string_view user, std::string_view domain,
                                    sip::DigestAlgorithm algorithm) -> std::optional<std::string> {
    auto found = store.findSubscriber(user, domain);
    if (!found.ok() || !found->has_value()) return std::nullopt;
    return algorithm == sip::DigestAlgorithm::Sha256 ? (*found)->ha1Sha256 : (*found)->ha1Md5;
  };
  return verify(request, proxyAuth, realm, lookup);
}

AuthResult DigestAuthenticator::check(const sip::SipMessage& request,
                                      const sip::DigestCredentials& credentials,
                                      std::string_view realm, const Ha1Lookup& lookup) {
  if (credentials.username.empty() || credentials.nonce.empty() || credentials.uri.empty() ||
      credentials.response.empty()) {
    return result(AuthOutcome::Malformed, "incomplete credentials");
  }
  const auto algorithm = parseAlgorithm(credentials.algorithm);
  if (!algorithm ||
      std::find(algorithms_.begin(), algorithms_.end(), *algorithm) == algorithms_.end()) {
    return result(AuthOutcome::Malformed, "unsupported digest algorithm");
  }
  std::optional<std::uint32_t> nc;
  if (!credentials.qop.empty()) {
    if (!equalsIgnoreCase(credentials.qop, "auth")) {
      return result(AuthOutcome::Malformed, "unsupported qop");
    }
    nc = parseNonceCount(credentials.nc);
    if (!nc || credentials.cnonce.empty()) {
      return result(AuthOutcome::Malformed, "qop=auth without nc or cnonce");
    }
  }
  // RFC 7616 3.4.6: the signed uri is the Request-URI, so that credentials captured on the way
  // to one target cannot be spent on a request to another.
  if (!sameRequestUri(credentials.uri, request.requestUri())) {
    return result(AuthOutcome::Malformed, "digest uri does not match Request-URI");
  }

  const auto ha1 = lookup(credentials.username, realm, *algorithm);
  if (!ha1) return result(AuthOutcome::UnknownUser, "unknown user");
  const std::string expected =
      sip::digestResponse(*algorithm, *ha1, request.methodText(), credentials);
  if (!responseMatches(expected, credentials.response)) {
    return result(AuthOutcome::WrongPassword, "wrong password");
  }

  // Only now, with a response proven to come from someone who knows the password, is the nonce
  // judged: a stale answer then lets the client retry silently (RFC 7616 3.3, stale=true).
  switch (nonces_.consume(credentials.nonce, nc)) {
    case NonceManager::Check::Valid:
      break;
    case NonceManager::Check::Stale:
      return result(AuthOutcome::StaleNonce, "nonce expired");
    case NonceManager::Check::Invalid:
      return result(AuthOutcome::StaleNonce, "nonce not issued by this process");
    case NonceManager::Check::Replayed:
      return result(AuthOutcome::StaleNonce, "nonce count replayed");
  }
  AuthResult ok = result(AuthOutcome::Authenticated, "");
  ok.user.assign(credentials.username);
  ok.algorithm = *algorithm;
  return ok;
}

store::Subscriber DigestAuthenticator::makeSubscriber(std::string_view user,
                                                      std::string_view domain,
                                                      std::string_view password) {
  return store::Subscriber{std::string(user), std::string(domain),
                           sip::digestHa1(sip::DigestAlgorithm::Md5, user, domain, password),
                           sip::digestHa1(sip::DigestAlgorithm::Sha256, user, domain, password)};
}

store::Status DigestAuthenticator::addSubscriber(store::Store& store, std::string_view user,
                                                 std::string_view domain,
                                                 std::string_view password) {
  return store.putSubscriber(makeSubscriber(user, domain, password));
}

}  // namespace rtcgate::proxy
