#include "proxy/FlowToken.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "base/SecureRandom.hpp"

namespace rtcgate::proxy {

namespace {

constexpr char kSeparator = '.';

// Lowercase hex: no run of its characters spells a header name or holds a ':', so a peer that
// looks for "CSeq" or "Via:" anywhere in a message (sipp finds a response's CSeq method with
// strstr) never finds one inside a token. Base64 did: one token in about a million held "CSeq".
template <std::size_t N>
std::string toHex(const std::array<std::uint8_t, N>& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * N);
  for (const auto byte : bytes) {
    out += kDigits[byte >> 4];
    out += kDigits[byte & 15];
  }
  return out;
}

// The MAC as tokens issued before 2026-12 wrote it (base64url, 22 characters), so that dialogs
// record-routed by an older version keep working after an upgrade.
template <std::size_t N>
std::string toLegacyBase64Url(const std::array<std::uint8_t, N>& bytes) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
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

struct FlowToken::MacContext {
  EVP_MAC_CTX* ctx = nullptr;
  ~MacContext() { EVP_MAC_CTX_free(ctx); }
};

FlowToken::FlowToken() : context_(std::make_unique<MacContext>()) {
  Key key;
  SecureRandom::fill(key);
  setKey(key);
}

FlowToken::FlowToken(const Key& key) : context_(std::make_unique<MacContext>()) { setKey(key); }

FlowToken::~FlowToken() = default;

void FlowToken::setKey(const Key& key) {
  EVP_MAC* hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* ctx = hmac ? EVP_MAC_CTX_new(hmac) : nullptr;
  EVP_MAC_free(hmac);
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_construct_end()};
  if (ctx == nullptr || EVP_MAC_init(ctx, key.data(), key.size(), params) != 1) {
    EVP_MAC_CTX_free(ctx);
    throw std::runtime_error("flow tokens: OpenSSL has no HMAC-SHA256");
  }
  EVP_MAC_CTX_free(context_->ctx);
  context_->ctx = ctx;
}

std::array<std::uint8_t, FlowToken::kMacSize> FlowToken::mac(std::uint64_t connectionId,
                                                             std::string_view callId) const {
  std::array<unsigned char, 8> id{};
  for (std::size_t i = 0; i < id.size(); ++i)
    id[i] = static_cast<unsigned char>(connectionId >> (8 * i));
  unsigned char digest[EVP_MAX_MD_SIZE];
  std::size_t length = 0;
  EVP_MAC_CTX* ctx = context_->ctx;
  // A null key keeps the one set by setKey (OpenSSL 3 EVP_MAC_init).
  const bool ok = EVP_MAC_init(ctx, nullptr, 0, nullptr) == 1 &&
                  EVP_MAC_update(ctx, id.data(), id.size()) == 1 &&
                  EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(callId.data()),
                                 callId.size()) == 1 &&
                  EVP_MAC_final(ctx, digest, &length, sizeof digest) == 1;
  if (!ok || length < kMacSize) throw std::runtime_error("flow tokens: HMAC-SHA256 failed");
  std::array<std::uint8_t, kMacSize> out{};
  std::copy_n(digest, kMacSize, out.begin());
  return out;
}

std::string FlowToken::encode(std::uint64_t connectionId, std::string_view callId) const {
  char id[17];
  const auto end = std::to_chars(id, id + sizeof id, connectionId, 16).ptr;
  std::string token(id, end);
  token += kSeparator;
  token += toHex(mac(connectionId, callId));
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
  const auto digest = mac(id, callId);
  const auto expected = given.size() == 2 * kMacSize ? toHex(digest) : toLegacyBase64Url(digest);
  if (given.size() != expected.size()) return std::nullopt;
  if (CRYPTO_memcmp(given.data(), expected.data(), expected.size()) != 0) return std::nullopt;
  return id;
}

}  // namespace rtcgate::proxy
