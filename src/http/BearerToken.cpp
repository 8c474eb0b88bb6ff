#include "http/BearerToken.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <strings.h>

#include "io/WebSocketSubprotocols.hpp"

namespace rtcgate::http {
namespace {

std::array<unsigned char, 32> sha256(std::string_view text) {
  std::array<unsigned char, 32> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data());
  return digest;
}

}  // namespace

BearerToken::BearerToken(std::string_view token)
    : digest_(sha256(token)), required_(!token.empty()) {}

bool BearerToken::matches(std::string_view candidate) const {
  const auto digest = sha256(candidate);
  return CRYPTO_memcmp(digest.data(), digest_.data(), digest.size()) == 0;
}

bool BearerToken::acceptsAuthorization(std::string_view header) const {
  constexpr std::string_view kScheme = "Bearer ";
  if (header.size() <= kScheme.size() ||
      strncasecmp(header.data(), kScheme.data(), kScheme.size()) != 0) {
    return false;
  }
  return matches(header.substr(kScheme.size()));
}

bool BearerToken::acceptsSubprotocols(std::string_view header) const {
  bool accepted = false;
  for (const auto entry : io::webSocketSubprotocols(header)) {
    if (entry.size() > kSubprotocolPrefix.size() && entry.starts_with(kSubprotocolPrefix)) {
      accepted |= matches(entry.substr(kSubprotocolPrefix.size()));
    }
  }
  return accepted;
}

}  // namespace rtcgate::http
