#include "sip/Digest.hpp"

#include <openssl/evp.h>

#include "sip/Lex.hpp"

namespace rtcgate::sip {
namespace {

void assign(DigestCredentials& c, std::string_view name, std::string_view value) {
  if (lex::iequals(name, "username"))
    c.username = value;
  else if (lex::iequals(name, "realm"))
    c.realm = value;
  else if (lex::iequals(name, "nonce"))
    c.nonce = value;
  else if (lex::iequals(name, "uri"))
    c.uri = value;
  else if (lex::iequals(name, "response"))
    c.response = value;
  else if (lex::iequals(name, "algorithm"))
    c.algorithm = value;
  else if (lex::iequals(name, "cnonce"))
    c.cnonce = value;
  else if (lex::iequals(name, "opaque"))
    c.opaque = value;
  else if (lex::iequals(name, "qop"))
    c.qop = value;
  else if (lex::iequals(name, "nc"))
    c.nc = value;
  else if (lex::iequals(name, "stale"))
    c.stale = value;
}

std::string hex(const unsigned char* bytes, unsigned size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(size * 2, '0');
  for (unsigned i = 0; i < size; ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0x0f];
  }
  return out;
}

}  // namespace

// credentials = "Digest" LWS digest-response *(COMMA digest-response), each name=value with the
// value a token or a quoted string (returned without its quotes).
Result<DigestCredentials> parseDigestCredentials(std::string_view headerValue) {
  std::string_view s = lex::trim(headerValue);
  DigestCredentials c;
  std::size_t i = 0;
  while (i < s.size() && lex::isTokenChar(s[i])) ++i;
  c.scheme = s.substr(0, i);
  if (c.scheme.empty()) return Error{"Bad credentials"};
  if (!lex::iequals(c.scheme, "Digest")) return c;
  auto skipLws = [&] {
    while (i < s.size() && lex::isLws(s[i])) ++i;
  };
  skipLws();
  while (i < s.size()) {
    const std::size_t nameStart = i;
    while (i < s.size() && lex::isTokenChar(s[i])) ++i;
    const std::string_view name = s.substr(nameStart, i - nameStart);
    skipLws();
    if (name.empty() || i >= s.size() || s[i] != '=') return Error{"Bad credentials"};
    ++i;
    skipLws();
    std::string_view value;
    if (i < s.size() && s[i] == '"') {
      const std::size_t close = lex::skipQuoted(s, i);
      if (close == std::string_view::npos) return Error{"Bad credentials"};
      value = s.substr(i + 1, close - i - 1);
      i = close + 1;
    } else {
      const std::size_t valueStart = i;
      while (i < s.size() && s[i] != ',' && !lex::isLws(s[i])) ++i;
      value = s.substr(valueStart, i - valueStart);
      if (value.empty()) return Error{"Bad credentials"};
    }
    assign(c, name, value);
    skipLws();
    if (i < s.size()) {
      if (s[i] != ',') return Error{"Bad credentials"};
      ++i;
      skipLws();
    }
  }
  return c;
}

std::string digestHash(DigestAlgorithm algorithm, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned size = 0;
  const EVP_MD* md = algorithm == DigestAlgorithm::Sha256 ? EVP_sha256() : EVP_md5();
  if (EVP_Digest(data.data(), data.size(), out, &size, md, nullptr) != 1) return {};
  return hex(out, size);
}

std::string digestHa1(DigestAlgorithm algorithm, std::string_view username, std::string_view realm,
                      std::string_view password) {
  std::string a1;
  a1.reserve(username.size() + realm.size() + password.size() + 2);
  a1.append(username).append(":").append(realm).append(":").append(password);
  return digestHash(algorithm, a1);
}

std::string digestResponse(DigestAlgorithm algorithm, std::string_view ha1, std::string_view method,
                           const DigestCredentials& credentials) {
  std::string a2;
  a2.append(method).append(":").append(credentials.uri);
  const std::string ha2 = digestHash(algorithm, a2);
  std::string kd;
  kd.append(ha1).append(":").append(credentials.nonce).append(":");
  if (credentials.qop.empty()) {
    kd.append(ha2);
  } else if (lex::iequals(credentials.qop, "auth")) {
    kd.append(credentials.nc).append(":").append(credentials.cnonce).append(":");
    kd.append(credentials.qop).append(":").append(ha2);
  } else {
    return {};  // auth-int would need the body hash; not offered by us
  }
  return digestHash(algorithm, kd);
}

std::optional<DigestAlgorithm> digestAlgorithmFromName(std::string_view name) {
  if (name.empty() || lex::iequals(name, "MD5")) return DigestAlgorithm::Md5;
  if (lex::iequals(name, "SHA-256")) return DigestAlgorithm::Sha256;
  return std::nullopt;
}

}  // namespace rtcgate::sip
