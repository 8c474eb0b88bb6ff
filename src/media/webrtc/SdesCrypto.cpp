#include "media/webrtc/SdesCrypto.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <charconv>

namespace rtcgate::media {
namespace {

SrtpProfile profileFromSuite(std::string_view suite) {
  if (suite == "AES_CM_128_HMAC_SHA1_80") return SrtpProfile::AesCm128HmacSha1_80;
  if (suite == "AES_CM_128_HMAC_SHA1_32") return SrtpProfile::AesCm128HmacSha1_32;
  if (suite == "AEAD_AES_128_GCM") return SrtpProfile::AeadAes128Gcm;
  return SrtpProfile::None;
}

}  // namespace

std::string_view SdesCrypto::suiteName(SrtpProfile profile) {
  switch (profile) {
    case SrtpProfile::AesCm128HmacSha1_80:
      return "AES_CM_128_HMAC_SHA1_80";
    case SrtpProfile::AesCm128HmacSha1_32:
      return "AES_CM_128_HMAC_SHA1_32";
    case SrtpProfile::AeadAes128Gcm:
      return "AEAD_AES_128_GCM";
    case SrtpProfile::None:
      break;
  }
  return {};
}

Result<SdesCrypto> SdesCrypto::parse(std::string_view value) {
  SdesCrypto crypto;
  const auto space = value.find(' ');
  if (space == std::string_view::npos) return Error{"a=crypto without suite"};
  const auto tag = value.substr(0, space);
  if (std::from_chars(tag.data(), tag.data() + tag.size(), crypto.tag).ec != std::errc{} ||
      crypto.tag < 0 || crypto.tag > 999999999) {
    return Error{"bad a=crypto tag"};
  }
  value.remove_prefix(space + 1);
  const auto suiteEnd = value.find(' ');
  if (suiteEnd == std::string_view::npos) return Error{"a=crypto without key"};
  crypto.profile = profileFromSuite(value.substr(0, suiteEnd));
  if (crypto.profile == SrtpProfile::None) return Error{"unsupported a=crypto suite"};
  value.remove_prefix(suiteEnd + 1);
  if (!value.starts_with("inline:")) return Error{"a=crypto key method is not inline"};
  value.remove_prefix(7);
  // Several keys (";"-separated) and session parameters (after a space) are not used: only the
  // first key counts.
  value = value.substr(0, value.find_first_of("; "));
  const auto key = value.substr(0, value.find('|'));
  const auto params = value.substr(key.size());
  // lifetime is allowed, MKI ("n:len") is not: we would have to carry it on every packet.
  if (params.find(':') != std::string_view::npos) return Error{"a=crypto MKI not supported"};
  const std::size_t expected = SrtpKeys::keySaltLength(crypto.profile);
  if (key.size() != 4 * ((expected + 2) / 3)) return Error{"bad a=crypto key length"};
  std::array<unsigned char, 48> decoded{};
  const int n = EVP_DecodeBlock(decoded.data(), reinterpret_cast<const unsigned char*>(key.data()),
                                static_cast<int>(key.size()));
  if (n < static_cast<int>(expected)) return Error{"bad a=crypto key encoding"};
  std::copy_n(decoded.begin(), expected, crypto.keySalt.begin());
  return crypto;
}

SdesCrypto SdesCrypto::generate(int tag, SrtpProfile profile) {
  SdesCrypto crypto;
  crypto.tag = tag;
  crypto.profile = profile;
  RAND_bytes(crypto.keySalt.data(), static_cast<int>(SrtpKeys::keySaltLength(profile)));
  return crypto;
}

std::string SdesCrypto::format() const {
  std::array<unsigned char, 64> encoded{};
  const int n = EVP_EncodeBlock(encoded.data(), keySalt.data(),
                                static_cast<int>(SrtpKeys::keySaltLength(profile)));
  std::string out = std::to_string(tag);
  out += ' ';
  out += suiteName(profile);
  out += " inline:";
  out.append(reinterpret_cast<const char*>(encoded.data()), static_cast<std::size_t>(n));
  return out;
}

}  // namespace rtcgate::media
