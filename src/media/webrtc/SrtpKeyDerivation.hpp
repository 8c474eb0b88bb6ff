#pragma once

#include <openssl/types.h>

#include <cstddef>
#include <cstdint>

namespace rtcgate::media {

// The AES-CM PRF of RFC 3711 §4.3.3 with key derivation rate 0: the AES-128-CTR keystream from
// IV = master salt (label XORed into byte 7) || zero block counter. RFC 7714 §11 reuses it with
// the 12-byte GCM master salt, zero-padded. Set-up only (allocates its cipher context).
class SrtpKeyDerivation {
 public:
  static constexpr std::size_t kMaxOutput = 64;

  SrtpKeyDerivation(const std::uint8_t* masterKey, const std::uint8_t* masterSalt,
                    std::size_t saltLength);
  ~SrtpKeyDerivation();
  SrtpKeyDerivation(const SrtpKeyDerivation&) = delete;
  SrtpKeyDerivation& operator=(const SrtpKeyDerivation&) = delete;

  // Writes `length` (at most kMaxOutput) bytes of the key with `label` (RFC 3711 §4.3.1).
  bool derive(std::uint8_t label, std::uint8_t* out, std::size_t length);

 private:
  EVP_CIPHER_CTX* context_;
  std::uint8_t salt_[16] = {};
  bool ok_ = false;
};

}  // namespace rtcgate::media
