#include "media/webrtc/HmacSha1.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

namespace rtcgate::media {

bool HmacSha1::compute(std::string_view key,
                       std::initializer_list<std::span<const std::uint8_t>> parts, Digest& out) {
  // Fetched once: the algorithm lookup is the expensive part of EVP_MAC.
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (mac == nullptr) return false;
  EVP_MAC_CTX* context = EVP_MAC_CTX_new(mac);
  if (context == nullptr) return false;
  char digestName[] = "SHA1";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digestName, 0), OSSL_PARAM_END};
  bool done = EVP_MAC_init(context, reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                           params) == 1;
  for (const auto& part : parts) {
    done = done && EVP_MAC_update(context, part.data(), part.size()) == 1;
  }
  std::size_t length = 0;
  done = done && EVP_MAC_final(context, out.data(), &length, out.size()) == 1 && length == 20;
  EVP_MAC_CTX_free(context);
  return done;
}

}  // namespace rtcgate::media
