#include "media/webrtc/SrtpKeyDerivation.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstring>

namespace rtcgate::media {

SrtpKeyDerivation::SrtpKeyDerivation(const std::uint8_t* masterKey, const std::uint8_t* masterSalt,
                                     std::size_t saltLength)
    : context_(EVP_CIPHER_CTX_new()) {
  std::memcpy(salt_, masterSalt, saltLength < 14 ? saltLength : 14);
  ok_ = context_ != nullptr &&
        EVP_EncryptInit_ex(context_, EVP_aes_128_ctr(), nullptr, masterKey, nullptr) == 1;
}

SrtpKeyDerivation::~SrtpKeyDerivation() {
  EVP_CIPHER_CTX_free(context_);
  OPENSSL_cleanse(salt_, sizeof salt_);
}

bool SrtpKeyDerivation::derive(std::uint8_t label, std::uint8_t* out, std::size_t length) {
  std::uint8_t iv[16];
  std::memcpy(iv, salt_, sizeof iv);
  iv[7] ^= label;
  static constexpr std::uint8_t kZeros[kMaxOutput] = {};
  int written = 0;
  return ok_ && length <= kMaxOutput &&
         EVP_EncryptInit_ex(context_, nullptr, nullptr, nullptr, iv) == 1 &&
         EVP_EncryptUpdate(context_, out, &written, kZeros, static_cast<int>(length)) == 1;
}

}  // namespace rtcgate::media
