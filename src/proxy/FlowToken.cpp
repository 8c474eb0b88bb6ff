#include "proxy/FlowToken.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <charconv>

#include "base/SecureRandom.hpp"

namespace rtcgate::proxy {

namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr char kSeparator = '.';

// base64url without padding: URI-parameter safe (RFC 3261 `paramchar` allows "-", "_", ".").
template <std::size_t N>
std::string toBase64Url(const std::array<std::uint8_t, N>& bytes) {
  std::string out;
  out.reserve((N * 8 + 5) / 6);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const auto byte : bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(buffer >> bits) & 63];
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (6 - bits)) & 63];
  return out;
}

}  // namespace

FlowToken::FlowToken() { SecureRandom::fill(key_); }

std::array<std::uint8_t, FlowToken::kMacSize> FlowToken::mac(std::uint64_t connectionId,
                                                             std::string_view callId) const {
  std::string input(8 + callId.size(), '\0');
  for (std::size_t i = 0; i < 8; ++i) {
    input[i] = static_cast<char>(connectionId >> (8 * i));
  }
  std::copy(callId.begin(), callId.end(), input.begin() + 8);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest, &length);
  std::array<std::uint8_t, kMacSize> out{};
  std::copy_n(digest, kMacSize, out.begin());
  return out;
}

std::string FlowToken::encode(std::uint64_t connectionId, std::string_view callId) const {
  char id[17];
  const auto end = std::to_chars(id, id + sizeof id, connectionId, 16).ptr;
  std::string token(id, end);
  token += kSeparator;
  token += toBase64Url(mac(connectionId, callId));
  return token;
}

std::optional<std::uint64_t> FlowToken::decode(std::string_view token,
                                               std::string_view callId) const {
  const auto separator = token.find(kSeparator);
  if (separator == std::string_view::npos || separator == 0 || separator > 16) return std::nullopt;
  std::uint64_t id = 0;
  const auto [end, ec] = std::from_chars(token.data(), token.data() + separator, id, 16);
  if (ec != std::errc() || end != token.data() + separator) return std::nullopt;
  const auto given = token.substr(separator + 1);
  const auto expected = toBase64Url(mac(id, callId));
  if (given.size() != expected.size()) return std::nullopt;
  if (CRYPTO_memcmp(given.data(), expected.data(), expected.size()) != 0) return std::nullopt;
  return id;
}

}  // namespace rtcgate::proxy
