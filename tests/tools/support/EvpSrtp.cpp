#include "support/EvpSrtp.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>

#include <cstring>

namespace rtcgate::tools {
namespace {

using media::SrtpKeys;
using media::SrtpProfile;

constexpr std::size_t kKeyLength = 16;
constexpr std::size_t kGcmTag = 16;

// RTP header length (fixed part, CSRCs, extension), 0 when the packet is too short for it.
std::size_t headerLength(const std::uint8_t* data, std::size_t length) {
  if (length < 12) return 0;
  std::size_t header = 12 + 4 * std::size_t{data[0] & 0x0fu};
  if ((data[0] & 0x10) != 0) {
    if (length < header + 4) return 0;
    header += 4 + 4 * ((std::size_t{data[header + 2]} << 8) | data[header + 3]);
  }
  return header <= length ? header : 0;
}

std::uint32_t ssrcOf(const std::uint8_t* data) {
  return (std::uint32_t{data[8]} << 24) | (std::uint32_t{data[9]} << 16) |
         (std::uint32_t{data[10]} << 8) | data[11];
}

// The AES-CM PRF of RFC 3711 §4.3.3 (key derivation rate 0): AES-CTR over zeros, with the IV
// the master salt (a 12-byte GCM salt padded with zeros, as RFC 7714 §11 reuses this KDF) whose
// byte 7 carries the label, followed by a zero block counter.
bool derive(const std::uint8_t* masterKey, const std::uint8_t* masterSalt, std::size_t saltLength,
            std::uint8_t label, std::uint8_t* out, std::size_t length) {
  std::uint8_t iv[16] = {};
  std::memcpy(iv, masterSalt, saltLength);
  iv[7] ^= label;
  std::uint8_t zeros[32] = {};
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  int written = 0;
  const bool ok = ctx != nullptr &&
                  EVP_EncryptInit_ex(ctx, EVP_aes_128_ctr(), nullptr, masterKey, iv) == 1 &&
                  EVP_EncryptUpdate(ctx, out, &written, zeros, static_cast<int>(length)) == 1;
  EVP_CIPHER_CTX_free(ctx);
  return ok;
}

}  // namespace

bool EvpSrtp::Direction::init(SrtpProfile profile, const std::uint8_t* masterKeySalt,
                              bool encrypt) {
  const std::size_t saltLength = SrtpKeys::saltLength(profile);
  const std::uint8_t* masterSalt = masterKeySalt + kKeyLength;
  std::uint8_t key[kKeyLength];
  std::uint8_t authKey[20];
  if (!derive(masterKeySalt, masterSalt, saltLength, 0, key, sizeof key) ||
      !derive(masterKeySalt, masterSalt, saltLength, 2, salt.data(), saltLength)) {
    return false;
  }
  cipher = EVP_CIPHER_CTX_new();
  if (cipher == nullptr) return false;
  if (profile == SrtpProfile::AeadAes128Gcm) {
    // The key is set once; each packet sets only its IV (EVP_EncryptInit_ex/EVP_DecryptInit_ex
    // with null cipher and key).
    const bool ok =
        EVP_CipherInit_ex(cipher, EVP_aes_128_gcm(), nullptr, key, nullptr, encrypt ? 1 : 0) == 1;
    OPENSSL_cleanse(key, sizeof key);
    return ok;
  }
  if (EVP_EncryptInit_ex(cipher, EVP_aes_128_ctr(), nullptr, key, nullptr) != 1) return false;
  if (!derive(masterKeySalt, masterSalt, saltLength, 1, authKey, sizeof authKey)) return false;
  EVP_MAC* hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (hmac == nullptr) return false;
  mac = EVP_MAC_CTX_new(hmac);
  EVP_MAC_free(hmac);
  char digest[] = "SHA1";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  const bool ok = mac != nullptr && EVP_MAC_init(mac, authKey, sizeof authKey, params) == 1;
  OPENSSL_cleanse(key, sizeof key);
  OPENSSL_cleanse(authKey, sizeof authKey);
  return ok;
}

void EvpSrtp::Direction::release() {
  EVP_CIPHER_CTX_free(cipher);
  EVP_MAC_CTX_free(mac);
  cipher = nullptr;
  mac = nullptr;
}

std::uint32_t EvpSrtp::Direction::guessRoc(std::uint16_t sequence) const {
  if (!seen) return roc;
  if (highest < 32768) {
    return sequence > highest + 32768 && roc > 0 ? roc - 1 : roc;  // late, from before a wrap
  }
  return sequence < highest - 32768 ? roc + 1 : roc;  // the sequence number wrapped
}

void EvpSrtp::Direction::update(std::uint16_t sequence, std::uint32_t packetRoc) {
  if (!seen || packetRoc == roc + 1) {
    roc = packetRoc;
    highest = sequence;
    seen = true;
  } else if (packetRoc == roc && sequence > highest) {
    highest = sequence;
  }
}

std::unique_ptr<EvpSrtp> EvpSrtp::create(const SrtpKeys& keys) {
  std::unique_ptr<EvpSrtp> srtp(new EvpSrtp());
  srtp->profile_ = keys.profile;
  switch (keys.profile) {
    case SrtpProfile::AesCm128HmacSha1_80:
      srtp->tagLength_ = 10;
      break;
    case SrtpProfile::AesCm128HmacSha1_32:
      srtp->tagLength_ = 4;
      break;
    case SrtpProfile::AeadAes128Gcm:
      srtp->tagLength_ = kGcmTag;
      break;
    case SrtpProfile::None:
      return nullptr;
  }
  if (!srtp->out_.init(keys.profile, keys.local.data(), true) ||
      !srtp->in_.init(keys.profile, keys.remote.data(), false)) {
    return nullptr;
  }
  return srtp;
}

EvpSrtp::~EvpSrtp() {
  out_.release();
  in_.release();
}

bool EvpSrtp::hmac(Direction& d, const std::uint8_t* data, std::size_t length, std::uint32_t roc,
                   std::uint8_t* tag) const {
  const std::uint8_t rocBytes[4] = {
      static_cast<std::uint8_t>(roc >> 24), static_cast<std::uint8_t>(roc >> 16),
      static_cast<std::uint8_t>(roc >> 8), static_cast<std::uint8_t>(roc)};
  std::uint8_t digest[20];
  std::size_t digestLength = 0;
  // A null key re-initialises with the key already set: no allocation per packet.
  if (EVP_MAC_init(d.mac, nullptr, 0, nullptr) != 1 || EVP_MAC_update(d.mac, data, length) != 1 ||
      EVP_MAC_update(d.mac, rocBytes, sizeof rocBytes) != 1 ||
      EVP_MAC_final(d.mac, digest, &digestLength, sizeof digest) != 1) {
    return false;
  }
  std::memcpy(tag, digest, tagLength_);
  return true;
}

bool EvpSrtp::protectRtp(std::uint8_t* data, std::size_t& length, std::size_t capacity) {
  const std::size_t header = headerLength(data, length);
  if (header == 0 || length + tagLength_ > capacity) return false;
  const auto sequence = static_cast<std::uint16_t>((data[2] << 8) | data[3]);
  const std::uint32_t roc = out_.guessRoc(sequence);
  const std::uint32_t ssrc = ssrcOf(data);
  std::uint8_t* payload = data + header;
  const int payloadLength = static_cast<int>(length - header);
  int written = 0;
  if (profile_ == SrtpProfile::AeadAes128Gcm) {
    // RFC 7714 §8.1: IV = (00 00 || SSRC || ROC || SEQ) XOR salt.
    std::uint8_t iv[12] = {0, 0};
    for (int i = 0; i < 4; ++i) {
      iv[2 + i] = static_cast<std::uint8_t>(ssrc >> (24 - 8 * i));
      iv[6 + i] = static_cast<std::uint8_t>(roc >> (24 - 8 * i));
    }
    iv[10] = data[2];
    iv[11] = data[3];
    for (int i = 0; i < 12; ++i) iv[i] ^= out_.salt[static_cast<std::size_t>(i)];
    if (EVP_EncryptInit_ex(out_.cipher, nullptr, nullptr, nullptr, iv) != 1 ||
        EVP_EncryptUpdate(out_.cipher, nullptr, &written, data, static_cast<int>(header)) != 1 ||
        EVP_EncryptUpdate(out_.cipher, payload, &written, payload, payloadLength) != 1 ||
        EVP_EncryptFinal_ex(out_.cipher, payload + written, &written) != 1 ||
        EVP_CIPHER_CTX_ctrl(out_.cipher, EVP_CTRL_GCM_GET_TAG, kGcmTag, data + length) != 1) {
      return false;
    }
  } else {
    // RFC 3711 §4.1.1: IV = (salt << 16) XOR (SSRC << 64) XOR (index << 16).
    std::uint8_t iv[16] = {};
    std::memcpy(iv, out_.salt.data(), 14);
    for (int i = 0; i < 4; ++i) {
      iv[4 + i] ^= static_cast<std::uint8_t>(ssrc >> (24 - 8 * i));
      iv[8 + i] ^= static_cast<std::uint8_t>(roc >> (24 - 8 * i));
    }
    iv[12] ^= data[2];
    iv[13] ^= data[3];
    if (EVP_EncryptInit_ex(out_.cipher, nullptr, nullptr, nullptr, iv) != 1 ||
        EVP_EncryptUpdate(out_.cipher, payload, &written, payload, payloadLength) != 1 ||
        !hmac(out_, data, length, roc, data + length)) {
      return false;
    }
  }
  out_.update(sequence, roc);
  length += tagLength_;
  return true;
}

bool EvpSrtp::unprotectRtp(std::uint8_t* data, std::size_t& length) {
  if (length < tagLength_) return false;
  const std::size_t header = headerLength(data, length - tagLength_);
  if (header == 0) return false;
  const auto sequence = static_cast<std::uint16_t>((data[2] << 8) | data[3]);
  const std::uint32_t roc = in_.guessRoc(sequence);
  const std::uint32_t ssrc = ssrcOf(data);
  const std::size_t protectedLength = length - tagLength_;
  std::uint8_t* payload = data + header;
  const int payloadLength = static_cast<int>(protectedLength - header);
  int written = 0;
  if (profile_ == SrtpProfile::AeadAes128Gcm) {
    std::uint8_t iv[12] = {0, 0};
    for (int i = 0; i < 4; ++i) {
      iv[2 + i] = static_cast<std::uint8_t>(ssrc >> (24 - 8 * i));
      iv[6 + i] = static_cast<std::uint8_t>(roc >> (24 - 8 * i));
    }
    iv[10] = data[2];
    iv[11] = data[3];
    for (int i = 0; i < 12; ++i) iv[i] ^= in_.salt[static_cast<std::size_t>(i)];
    // Decrypt into a copy: a packet that fails authentication is left as it came.
    std::uint8_t plain[2048];
    if (payloadLength > static_cast<int>(sizeof plain) ||
        EVP_DecryptInit_ex(in_.cipher, nullptr, nullptr, nullptr, iv) != 1 ||
        EVP_DecryptUpdate(in_.cipher, nullptr, &written, data, static_cast<int>(header)) != 1 ||
        EVP_DecryptUpdate(in_.cipher, plain, &written, payload, payloadLength) != 1 ||
        EVP_CIPHER_CTX_ctrl(in_.cipher, EVP_CTRL_GCM_SET_TAG, kGcmTag, data + protectedLength) !=
            1 ||
        EVP_DecryptFinal_ex(in_.cipher, plain + written, &written) != 1) {
      return false;
    }
    std::memcpy(payload, plain, static_cast<std::size_t>(payloadLength));
  } else {
    std::uint8_t tag[20];
    if (!hmac(in_, data, protectedLength, roc, tag) ||
        CRYPTO_memcmp(tag, data + protectedLength, tagLength_) != 0) {
      return false;
    }
    std::uint8_t iv[16] = {};
    std::memcpy(iv, in_.salt.data(), 14);
    for (int i = 0; i < 4; ++i) {
      iv[4 + i] ^= static_cast<std::uint8_t>(ssrc >> (24 - 8 * i));
      iv[8 + i] ^= static_cast<std::uint8_t>(roc >> (24 - 8 * i));
    }
    iv[12] ^= data[2];
    iv[13] ^= data[3];
    if (EVP_EncryptInit_ex(in_.cipher, nullptr, nullptr, nullptr, iv) != 1 ||
        EVP_EncryptUpdate(in_.cipher, payload, &written, payload, payloadLength) != 1) {
      return false;
    }
  }
  in_.update(sequence, roc);
  length = protectedLength;
  return true;
}

}  // namespace rtcgate::tools
