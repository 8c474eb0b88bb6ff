#include "proxy/NonceManager.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstdlib>

namespace rtcgate::proxy {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void putBigEndian(std::uint64_t value, std::uint8_t* out) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<std::uint8_t>(value & 0xff);
    value >>= 8;
  }
}

std::uint64_t getBigEndian(const std::uint8_t* in) {
  std::uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | in[i];
  return value;
}

}  // namespace

NonceManager::NonceManager(const Timers& timers, Options options)
    : timers_(timers), options_(options) {
  if (RAND_bytes(secret_.data(), static_cast<int>(secret_.size())) != 1) {
    // Without randomness every nonce would be forgeable: refuse to run rather than go on.
    std::abort();
  }
}

NonceManager::NonceManager(const Timers& timers, Options options,
                           std::array<std::uint8_t, 32> secret)
    : timers_(timers), options_(options), secret_(secret) {}

std::int64_t NonceManager::nowMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(timers_.now().time_since_epoch())
      .count();
}

void NonceManager::mac(const std::uint8_t* stamp, std::uint8_t* out) const {
  std::uint8_t full[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()), stamp, kStampBytes, full,
       &length);
  std::copy(full, full + kMacBytes, out);
}

std::string NonceManager::issue() {
  std::uint8_t raw[kStampBytes + kMacBytes];
  putBigEndian(static_cast<std::uint64_t>(nowMs()), raw);
  putBigEndian(nextSequence_++, raw + 8);
  mac(raw, raw + kStampBytes);
  std::string nonce(kNonceChars, '\0');
  for (std::size_t i = 0; i < sizeof raw; ++i) {
    nonce[2 * i] = kHexDigits[raw[i] >> 4];
    nonce[2 * i + 1] = kHexDigits[raw[i] & 0xf];
  }
  return nonce;
}

std::optional<NonceManager::Decoded> NonceManager::decode(std::string_view nonce) const {
  if (nonce.size() != kNonceChars) return std::nullopt;
  std::uint8_t raw[kStampBytes + kMacBytes];
  for (std::size_t i = 0; i < sizeof raw; ++i) {
    const int high = hexValue(nonce[2 * i]);
    const int low = hexValue(nonce[2 * i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    raw[i] = static_cast<std::uint8_t>(high << 4 | low);
  }
  std::uint8_t expected[kMacBytes];
  mac(raw, expected);
  if (CRYPTO_memcmp(expected, raw + kStampBytes, kMacBytes) != 0) return std::nullopt;
  return Decoded{static_cast<std::int64_t>(getBigEndian(raw)), getBigEndian(raw + 8)};
}

NonceManager::Check NonceManager::checkAge(const Decoded& decoded) const {
  const std::int64_t age = nowMs() - decoded.issuedMs;
  if (age < 0 || age >= options_.lifetime.count()) return Check::Stale;
  if (decoded.sequence < evictedBelow_) return Check::Stale;
  return Check::Valid;
}

NonceManager::Check NonceManager::validate(std::string_view nonce) const {
  const auto decoded = decode(nonce);
  if (!decoded) return Check::Invalid;
  return checkAge(*decoded);
}

NonceManager::Check NonceManager::consume(std::string_view nonce, std::optional<std::uint32_t> nc) {
  const auto decoded = decode(nonce);
  if (!decoded) return Check::Invalid;
  if (const Check age = checkAge(*decoded); age != Check::Valid) return age;
  if (nc && *nc == 0) return Check::Replayed;  // counts start at 1 (RFC 7616 3.4)
  forgetExpired();

  auto found = used_.find(decoded->sequence);
  if (found != used_.end()) {
    Use& use = found->second;
    if (!nc || use.lastNc == 0 || *nc <= use.lastNc) return Check::Replayed;
    use.lastNc = *nc;
    return Check::Valid;
  }
  makeRoom();
  used_.emplace(decoded->sequence, Use{decoded->issuedMs, nc.value_or(0)});
  return Check::Valid;
}

void NonceManager::forgetExpired() {
  const std::int64_t oldestLive = nowMs() - options_.lifetime.count();
  while (!used_.empty() && used_.begin()->second.issuedMs <= oldestLive) {
    used_.erase(used_.begin());
  }
}

void NonceManager::makeRoom() {
  while (!used_.empty() && used_.size() >= options_.maxTracked) {
    evictedBelow_ = used_.begin()->first + 1;
    used_.erase(used_.begin());
  }
}

}  // namespace rtcgate::proxy
