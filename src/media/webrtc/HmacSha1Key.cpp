// SHA1_Init/Update/Final are deprecated in OpenSSL 3 in favour of EVP_MD, whose context copies
// allocate in 3.0; the low-level calls run the same assembly (SHA-NI where the CPU has it).
#define OPENSSL_SUPPRESS_DEPRECATED
#include "media/webrtc/HmacSha1Key.hpp"

#include <openssl/crypto.h>

#include <cstring>

namespace rtcgate::media {

void HmacSha1Key::setKey(const std::uint8_t* key, std::size_t length) {
  constexpr std::size_t kBlock = 64;
  std::uint8_t block[kBlock] = {};
  if (length > kBlock) {
    SHA1(key, length, block);
  } else if (length > 0) {
    std::memcpy(block, key, length);
  }
  std::uint8_t pad[kBlock];
  for (std::size_t i = 0; i < kBlock; ++i) pad[i] = block[i] ^ 0x36;
  SHA1_Init(&inner_);
  SHA1_Update(&inner_, pad, kBlock);
  for (std::size_t i = 0; i < kBlock; ++i) pad[i] = block[i] ^ 0x5c;
  SHA1_Init(&outer_);
  SHA1_Update(&outer_, pad, kBlock);
  OPENSSL_cleanse(block, sizeof block);
  OPENSSL_cleanse(pad, sizeof pad);
}

void HmacSha1Key::compute(const std::uint8_t* first, std::size_t firstLength,
                          const std::uint8_t* second, std::size_t secondLength,
                          std::uint8_t (&digest)[kDigestLength]) const {
  SHA_CTX context = inner_;
  SHA1_Update(&context, first, firstLength);
  if (secondLength != 0) SHA1_Update(&context, second, secondLength);
  SHA1_Final(digest, &context);
  context = outer_;
  SHA1_Update(&context, digest, kDigestLength);
  SHA1_Final(digest, &context);
}

void HmacSha1Key::clear() {
  OPENSSL_cleanse(&inner_, sizeof inner_);
  OPENSSL_cleanse(&outer_, sizeof outer_);
}

}  // namespace rtcgate::media
