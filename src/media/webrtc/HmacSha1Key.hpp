#pragma once

#include <openssl/sha.h>

#include <cstddef>
#include <cstdint>

namespace rtcgate::media {

// HMAC-SHA1 (RFC 2104) under one fixed key, for SRTP/SRTCP authentication (RFC 3711 §4.2.1).
// The key's inner and outer pads are hashed once at set-up; each packet then starts from copies of
// those two SHA-1 states, which are plain structs: no allocation, no provider look-up, no lock.
// (OpenSSL 3.0's EVP_MAC re-initialisation duplicates provider contexts, i.e. allocates, on every
// packet; HmacSha1 serves the STUN path, where that does not matter.)
class HmacSha1Key {
 public:
  static constexpr std::size_t kDigestLength = 20;

  // Any key length (SRTP's session authentication key is 20 bytes).
  void setKey(const std::uint8_t* key, std::size_t length);
  // The digest of `first` followed by `second` (SRTP: the packet, then the ROC or nothing).
  void compute(const std::uint8_t* first, std::size_t firstLength, const std::uint8_t* second,
               std::size_t secondLength, std::uint8_t (&digest)[kDigestLength]) const;
  // Forgets the key material.
  void clear();

 private:
  SHA_CTX inner_{};
  SHA_CTX outer_{};
};

}  // namespace rtcgate::media
