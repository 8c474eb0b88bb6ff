#include "proxy/FlowToken.hpp"

#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <charconv>

namespace rtcgate::proxy {

FlowToken::FlowToken() { RAND_bytes(secret_.data(), static_cast<int>(secret_.size())); }

std::string FlowToken::mac(std::uint64_t connectionId) const {
  unsigned char digest[32];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
       reinterpret_cast<const unsigned char*>(&connectionId), sizeof connectionId, digest, &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(8, '0');
  for (int i = 0; i < 4; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 15];
  }
  return out;
}

std::string FlowToken::encode(std::uint64_t connectionId) const {
  char id[17];
  const auto end = std::to_chars(id, id + sizeof id, connectionId, 16).ptr;
  return std::string(id, end) + "-" + mac(connectionId);
}

std::optional<std::uint64_t> FlowToken::decode(std::string_view token) const {
  const auto dash = token.find('-');
  if (dash == std::string_view::npos || dash == 0) return std::nullopt;
  std::uint64_t id = 0;
  const auto [end, ec] = std::from_chars(token.data(), token.data() + dash, id, 16);
  if (ec != std::errc() || end != token.data() + dash) return std::nullopt;
  if (token.substr(dash + 1) != mac(id)) return std::nullopt;
  return id;
}

}  // namespace rtcgate::proxy
