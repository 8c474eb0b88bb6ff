#include "sip/DigestAnswer.hpp"

#include "base/SecureRandom.hpp"
#include "sip/Digest.hpp"
#include "sip/Lex.hpp"

namespace rtcgate::sip {
namespace {

// Whether a qop list ("auth,auth-int") offers plain "auth".
bool offersAuth(std::string_view qops) {
  while (!qops.empty()) {
    const auto comma = qops.find(',');
    if (lex::iequals(lex::trim(qops.substr(0, comma)), "auth")) return true;
    if (comma == std::string_view::npos) break;
    qops.remove_prefix(comma + 1);
  }
  return false;
}

void appendQuoted(std::string& out, std::string_view name, std::string_view value) {
  out.append(", ").append(name).append("=\"").append(value).append("\"");
}

}  // namespace

Result<std::string> DigestAnswer::write() const {
  auto parsed = parseDigestCredentials(challenge);
  if (!parsed) return Error{"unreadable challenge"};
  DigestCredentials c = *parsed;
  if (!lex::iequals(c.scheme, "Digest")) return Error{"not a Digest challenge"};
  const auto algorithm = digestAlgorithmFromName(c.algorithm);
  if (!algorithm) return Error{"unsupported digest algorithm"};
  if (!c.qop.empty() && !offersAuth(c.qop)) return Error{"the challenge offers only qop=auth-int"};
  char ncText[9];
  std::snprintf(ncText, sizeof ncText, "%08x", nonceCount);
  c.uri = uri;
  c.qop = c.qop.empty() ? std::string_view() : std::string_view("auth");
  c.cnonce = cnonce;
  c.nc = ncText;
  const auto ha1 = digestHa1(*algorithm, username, c.realm, password);
  const auto response = digestResponse(*algorithm, ha1, method, c);

  std::string out = "Digest username=\"";
  out.append(username).append("\"");
  appendQuoted(out, "realm", c.realm);
  appendQuoted(out, "nonce", c.nonce);
  appendQuoted(out, "uri", uri);
  appendQuoted(out, "response", response);
  out.append(", algorithm=").append(*algorithm == DigestAlgorithm::Sha256 ? "SHA-256" : "MD5");
  if (!c.opaque.empty()) appendQuoted(out, "opaque", c.opaque);
  if (!c.qop.empty()) {
    out.append(", qop=auth, nc=").append(ncText);
    appendQuoted(out, "cnonce", cnonce);
  }
  return out;
}

int pickDigestChallenge(const std::vector<std::string_view>& challenges) {
  int md5 = -1;
  for (std::size_t i = 0; i < challenges.size(); ++i) {
    const auto parsed = parseDigestCredentials(challenges[i]);
    if (!parsed || !lex::iequals(parsed->scheme, "Digest")) continue;
    const auto algorithm = digestAlgorithmFromName(parsed->algorithm);
    if (algorithm == DigestAlgorithm::Sha256) return static_cast<int>(i);
    if (algorithm == DigestAlgorithm::Md5 && md5 < 0) md5 = static_cast<int>(i);
  }
  return md5;
}

bool isStaleChallenge(std::string_view challenge) {
  const auto parsed = parseDigestCredentials(challenge);
  return parsed && lex::iequals(parsed->stale, "true");
}

Result<ChallengeReply> answerChallenge(const SipMessage& response, std::string_view method,
                                       std::string_view uri, std::string_view username,
                                       std::string_view password, int answered,
                                       std::uint32_t nonceCount) {
  const bool proxy = response.statusCode() == 407;
  const auto challenges =
      response.all(proxy ? HeaderId::ProxyAuthenticate : HeaderId::WwwAuthenticate);
  const int pick = pickDigestChallenge(challenges);
  if (username.empty()) return Error{"no credentials"};
  if (pick < 0) return Error{"no challenge we can answer"};
  const auto challenge = challenges[static_cast<std::size_t>(pick)];
  if (answered >= 2 || (answered == 1 && !isStaleChallenge(challenge))) {
    return Error{"our credentials were refused"};
  }
  const auto cnonce = SecureRandom::hex(8);
  auto value = DigestAnswer{.challenge = challenge,
                            .method = method,
                            .uri = uri,
                            .username = username,
                            .password = password,
                            .cnonce = cnonce,
                            .nonceCount = nonceCount}
                   .write();
  if (!value) return Error{value.error()};
  return ChallengeReply{proxy ? HeaderId::ProxyAuthorization : HeaderId::Authorization,
                        std::move(*value)};
}

}  // namespace rtcgate::sip
