#include "media/webrtc/SrtpSession.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstring>

#include "media/webrtc/SrtpKeyDerivation.hpp"

namespace rtcgate::media {
namespace {

constexpr std::size_t kKeyLength = 16;
constexpr std::size_t kAuthKeyLength = 20;  // RFC 3711 §8.2: n_a = 160 for HMAC-SHA1
constexpr std::size_t kGcmTag = 16;         // RFC 7714 §14.2: AEAD_AES_128_GCM, 16-octet tag
constexpr std::size_t kSrtcpTag = 10;       // RFC 5764 §4.1.2: SRTCP keeps 80 bits with _32
constexpr std::size_t kIndexWord = 4;       // SRTCP's E flag and 31-bit index
constexpr std::uint32_t kEncrypted = 0x80000000u;

// RFC 3711 §4.3.1 key derivation labels.
enum Label : std::uint8_t {
  kRtpCipher = 0,
  kRtpAuth = 1,
  kRtpSalt = 2,
  kRtcpCipher = 3,
  kRtcpAuth = 4,
  kRtcpSalt = 5
};

std::uint32_t read32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         p[3];
}

void write32(std::uint8_t* p, std::uint32_t value) {
  p[0] = static_cast<std::uint8_t>(value >> 24);
  p[1] = static_cast<std::uint8_t>(value >> 16);
  p[2] = static_cast<std::uint8_t>(value >> 8);
  p[3] = static_cast<std::uint8_t>(value);
}

// RTP header length (fixed part, CSRCs, extension), 0 when `length` is too short for it.
std::size_t rtpHeaderLength(const std::uint8_t* data, std::size_t length) {
  if (length < 12) return 0;
  std::size_t header = 12 + 4 * std::size_t{data[0] & 0x0fu};
  if ((data[0] & 0x10) != 0) {
    if (length < header + 4) return 0;
    header += 4 + 4 * ((std::size_t{data[header + 2]} << 8) | data[header + 3]);
  }
  return header <= length ? header : 0;
}

// RFC 3711 §4.1.1: IV = (k_s << 16) XOR (SSRC << 64) XOR (index << 16), 16 bytes.
void ctrIv(const std::array<std::uint8_t, 14>& salt, std::uint32_t ssrc, std::uint64_t index,
           std::uint8_t (&iv)[16]) {
  std::memcpy(iv, salt.data(), 14);
  iv[14] = 0;
  iv[15] = 0;
  for (int i = 0; i < 4; ++i) iv[4 + i] ^= static_cast<std::uint8_t>(ssrc >> (24 - 8 * i));
  for (int i = 0; i < 6; ++i) iv[8 + i] ^= static_cast<std::uint8_t>(index >> (40 - 8 * i));
}

// RFC 7714 §8.1 (SRTP: 00 00 || SSRC || ROC || SEQ) and §9.1 (SRTCP: 00 00 || SSRC || 00 00 ||
// index): both are SSRC and a 48-bit index, XORed with the 12-byte salt.
void gcmIv(const std::array<std::uint8_t, 14>& salt, std::uint32_t ssrc, std::uint64_t index,
           std::uint8_t (&iv)[12]) {
  iv[0] = salt[0];
  iv[1] = salt[1];
  for (int i = 0; i < 4; ++i) {
    iv[2 + i] = salt[2 + i] ^ static_cast<std::uint8_t>(ssrc >> (24 - 8 * i));
  }
  for (int i = 0; i < 6; ++i) {
    iv[6 + i] = salt[6 + i] ^ static_cast<std::uint8_t>(index >> (40 - 8 * i));
  }
}

// AES-GCM over one packet: `aad` pieces authenticated, `text` en/decrypted in place, `tag` written
// (encrypting) or checked (decrypting).
bool gcm(EVP_CIPHER_CTX* cipher, bool encrypt, const std::uint8_t (&iv)[12],
         const std::uint8_t* aad, std::size_t aadLength, const std::uint8_t* aad2,
         std::size_t aad2Length, std::uint8_t* text, std::size_t textLength, std::uint8_t* tag) {
  // AAD updates report the AAD's length; only the text's count may offset `text`, which is null
  // for RTCP sent without encryption (null + 4 was undefined behaviour, found by the fuzzer).
  int aadWritten = 0;
  if (EVP_CipherInit_ex(cipher, nullptr, nullptr, nullptr, iv, -1) != 1 ||
      EVP_CipherUpdate(cipher, nullptr, &aadWritten, aad, static_cast<int>(aadLength)) != 1) {
    return false;
  }
  if (aad2Length != 0 &&
      EVP_CipherUpdate(cipher, nullptr, &aadWritten, aad2, static_cast<int>(aad2Length)) != 1) {
    return false;
  }
  int written = 0;
  if (textLength != 0 &&
      EVP_CipherUpdate(cipher, text, &written, text, static_cast<int>(textLength)) != 1) {
    return false;
  }
  if (!encrypt && EVP_CIPHER_CTX_ctrl(cipher, EVP_CTRL_GCM_SET_TAG, kGcmTag, tag) != 1) {
    return false;
  }
  int tail = 0;
  if (EVP_CipherFinal_ex(cipher, text + written, &tail) != 1) return false;
  return !encrypt || EVP_CIPHER_CTX_ctrl(cipher, EVP_CTRL_GCM_GET_TAG, kGcmTag, tag) == 1;
}

bool ctr(EVP_CIPHER_CTX* cipher, const std::uint8_t (&iv)[16], std::uint8_t* text,
         std::size_t length) {
  int written = 0;
  return EVP_EncryptInit_ex(cipher, nullptr, nullptr, nullptr, iv) == 1 &&
         (length == 0 ||
          EVP_EncryptUpdate(cipher, text, &written, text, static_cast<int>(length)) == 1);
}

bool fits(std::size_t length, std::size_t capacity) {
  return length + SrtpSession::kMaxTrailer <= capacity && length <= 0xFFFF;
}

}  // namespace

std::unique_ptr<SrtpSession> SrtpSession::reserve(SrtpProfile expected) {
  std::unique_ptr<SrtpSession> session(new SrtpSession());
  if (!session->setProfile(expected) || !session->allocate(session->out_, true) ||
      !session->allocate(session->in_, false)) {
    return nullptr;
  }
  return session;
}

Result<std::unique_ptr<SrtpSession>> SrtpSession::create(const SrtpKeys& keys,
                                                         std::unique_ptr<SrtpSession> reserved) {
  std::unique_ptr<SrtpSession> session = reserved && reserved->profile_ == keys.profile
                                             ? std::move(reserved)
                                             : std::unique_ptr<SrtpSession>(new SrtpSession());
  if (!session->setProfile(keys.profile)) return Error{"cannot create SRTP session: no profile"};
  if (!session->init(session->out_, keys.local.data(), true) ||
      !session->init(session->in_, keys.remote.data(), false)) {
    return Error{"cannot create SRTP session"};
  }
  return session;
}

bool SrtpSession::setProfile(SrtpProfile profile) {
  profile_ = profile;
  gcm_ = profile == SrtpProfile::AeadAes128Gcm;
  switch (profile) {
    case SrtpProfile::AesCm128HmacSha1_80:
      rtpTag_ = 10;
      return true;
    case SrtpProfile::AesCm128HmacSha1_32:
      rtpTag_ = 4;
      return true;
    case SrtpProfile::AeadAes128Gcm:
      rtpTag_ = kGcmTag;
      return true;
    case SrtpProfile::None:
      break;
  }
  return false;
}

// The cipher contexts with their algorithm but no key: what init() keys without allocating.
bool SrtpSession::allocate(Direction& direction, bool encrypt) {
  for (Keys* keys : {&direction.rtp, &direction.rtcp}) {
    keys->cipher = EVP_CIPHER_CTX_new();
    // AES-CM en- and decrypts with the same keystream; GCM needs the direction.
    if (keys->cipher == nullptr ||
        EVP_CipherInit_ex(keys->cipher, gcm_ ? EVP_aes_128_gcm() : EVP_aes_128_ctr(), nullptr,
                          nullptr, nullptr, gcm_ && !encrypt ? 0 : 1) != 1) {
      return false;
    }
  }
  return true;
}

bool SrtpSession::init(Direction& direction, const std::uint8_t* masterKeySalt, bool encrypt) {
  if (direction.rtp.cipher == nullptr && !allocate(direction, encrypt)) return false;
  const std::size_t saltLength = SrtpKeys::saltLength(profile_);
  SrtpKeyDerivation kdf(masterKeySalt, masterKeySalt + kKeyLength, saltLength);
  struct Labels {
    Keys& keys;
    std::uint8_t cipher, auth, salt;
  };
  for (const Labels& labels : {Labels{direction.rtp, kRtpCipher, kRtpAuth, kRtpSalt},
                               Labels{direction.rtcp, kRtcpCipher, kRtcpAuth, kRtcpSalt}}) {
    std::uint8_t key[kKeyLength];
    if (!kdf.derive(labels.cipher, key, sizeof key) ||
        !kdf.derive(labels.salt, labels.keys.salt.data(), saltLength)) {
      return false;
    }
    // No algorithm given: the context keeps the one allocate() set, and its memory.
    const bool keyed = EVP_CipherInit_ex(labels.keys.cipher, nullptr, nullptr, key, nullptr,
                                         gcm_ && !encrypt ? 0 : 1) == 1;
    OPENSSL_cleanse(key, sizeof key);
    if (!keyed) return false;
    if (!gcm_) {
      std::uint8_t authKey[kAuthKeyLength];
      if (!kdf.derive(labels.auth, authKey, sizeof authKey)) return false;
      labels.keys.auth.setKey(authKey, sizeof authKey);
      OPENSSL_cleanse(authKey, sizeof authKey);
    }
  }
  return true;
}

SrtpSession::~SrtpSession() {
  for (Direction* direction : {&out_, &in_}) {
    for (Keys* keys : {&direction->rtp, &direction->rtcp}) {
      EVP_CIPHER_CTX_free(keys->cipher);
      keys->auth.clear();
      OPENSSL_cleanse(keys->salt.data(), keys->salt.size());
    }
  }
}

bool SrtpSession::protectRtp(std::uint8_t* data, std::size_t& length, std::size_t capacity) {
  if (!fits(length, capacity)) return false;
  const std::size_t header = rtpHeaderLength(data, length);
  if (header == 0) return false;
  const std::uint32_t ssrc = read32(data + 8);
  const auto sequence = static_cast<std::uint16_t>((data[2] << 8) | data[3]);
  SrtpSsrcTable::Entry& source = out_.sources.obtain(ssrc);
  const std::uint64_t index = source.rtp.estimate(sequence);
  std::uint8_t* payload = data + header;
  const std::size_t payloadLength = length - header;
  if (gcm_) {
    std::uint8_t iv[12];
    gcmIv(out_.rtp.salt, ssrc, index, iv);
    if (!gcm(out_.rtp.cipher, true, iv, data, header, nullptr, 0, payload, payloadLength,
             data + length)) {
      return false;
    }
  } else {
    std::uint8_t iv[16];
    ctrIv(out_.rtp.salt, ssrc, index, iv);
    if (!ctr(out_.rtp.cipher, iv, payload, payloadLength)) return false;
    // RFC 3711 §4.2: the tag covers the packet and the ROC.
    std::uint8_t roc[4];
    write32(roc, static_cast<std::uint32_t>(index >> 16));
    std::uint8_t digest[HmacSha1Key::kDigestLength];
    out_.rtp.auth.compute(data, length, roc, sizeof roc, digest);
    std::memcpy(data + length, digest, rtpTag_);
  }
  source.rtp.accept(index);
  length += rtpTag_;
  return true;
}

bool SrtpSession::unprotectRtp(std::uint8_t* data, std::size_t& length) {
  if (length < rtpTag_) return false;
  const std::size_t protectedLength = length - rtpTag_;
  const std::size_t header = rtpHeaderLength(data, protectedLength);
  if (header == 0) return false;
  const std::uint32_t ssrc = read32(data + 8);
  const auto sequence = static_cast<std::uint16_t>((data[2] << 8) | data[3]);
  // A source gets a slot only once a packet of it authenticates: forged SSRCs evict nothing.
  SrtpSsrcTable::Entry* known = in_.sources.find(ssrc);
  const SrtpReplayWindow fresh;
  const SrtpReplayWindow& window = known != nullptr ? known->rtp : fresh;
  const std::uint64_t index = window.estimate(sequence);
  if (!window.check(index)) return false;
  std::uint8_t* payload = data + header;
  const std::size_t payloadLength = protectedLength - header;
  if (gcm_) {
    std::uint8_t iv[12];
    gcmIv(in_.rtp.salt, ssrc, index, iv);
    if (!gcm(in_.rtp.cipher, false, iv, data, header, nullptr, 0, payload, payloadLength,
             data + protectedLength)) {
      return false;
    }
  } else {
    std::uint8_t roc[4];
    write32(roc, static_cast<std::uint32_t>(index >> 16));
    std::uint8_t digest[HmacSha1Key::kDigestLength];
    in_.rtp.auth.compute(data, protectedLength, roc, sizeof roc, digest);
    if (CRYPTO_memcmp(digest, data + protectedLength, rtpTag_) != 0) return false;
    std::uint8_t iv[16];
    ctrIv(in_.rtp.salt, ssrc, index, iv);
    if (!ctr(in_.rtp.cipher, iv, payload, payloadLength)) return false;
  }
  (known != nullptr ? *known : in_.sources.obtain(ssrc)).rtp.accept(index);
  length = protectedLength;
  return true;
}

bool SrtpSession::protectRtcp(std::uint8_t* data, std::size_t& length, std::size_t capacity) {
  if (!fits(length, capacity) || length < 8) return false;
  const std::uint32_t ssrc = read32(data + 4);
  SrtpSsrcTable::Entry& source = out_.sources.obtain(ssrc);
  const std::uint32_t index = source.rtcpNext;
  if (index > 0x7FFFFFFFu) return false;  // RFC 3711 §9.2: the key is spent
  std::uint8_t word[kIndexWord];
  write32(word, kEncrypted | index);
  if (gcm_) {
    // RFC 7714 §9: header || ciphertext || tag || E+index; the AAD is the header and E+index.
    std::uint8_t iv[12];
    gcmIv(out_.rtcp.salt, ssrc, index, iv);
    if (!gcm(out_.rtcp.cipher, true, iv, data, 8, word, sizeof word, data + 8, length - 8,
             data + length)) {
      return false;
    }
    std::memcpy(data + length + kGcmTag, word, sizeof word);
    length += kGcmTag + kIndexWord;
  } else {
    // RFC 3711 §3.4: header || ciphertext || E+index || tag; the tag covers all before it.
    std::uint8_t iv[16];
    ctrIv(out_.rtcp.salt, ssrc, index, iv);
    if (!ctr(out_.rtcp.cipher, iv, data + 8, length - 8)) return false;
    std::memcpy(data + length, word, sizeof word);
    length += kIndexWord;
    std::uint8_t digest[HmacSha1Key::kDigestLength];
    out_.rtcp.auth.compute(data, length, nullptr, 0, digest);
    std::memcpy(data + length, digest, kSrtcpTag);
    length += kSrtcpTag;
  }
  source.rtcpNext = index + 1;
  return true;
}

bool SrtpSession::unprotectRtcp(std::uint8_t* data, std::size_t& length) {
  const std::size_t trailer = kIndexWord + (gcm_ ? kGcmTag : kSrtcpTag);
  if (length < 8 + trailer) return false;
  const std::uint32_t ssrc = read32(data + 4);
  const std::uint8_t* word = gcm_ ? data + length - kIndexWord : data + length - trailer;
  const std::uint32_t e = read32(word);
  const std::uint32_t index = e & 0x7FFFFFFFu;
  const bool encrypted = (e & kEncrypted) != 0;
  SrtpSsrcTable::Entry* known = in_.sources.find(ssrc);
  const SrtpReplayWindow fresh;
  const SrtpReplayWindow& window = known != nullptr ? known->rtcp : fresh;
  if (!window.check(index)) return false;
  const std::size_t plainLength = length - trailer;
  if (gcm_) {
    std::uint8_t iv[12];
    gcmIv(in_.rtcp.salt, ssrc, index, iv);
    std::uint8_t* tag = data + plainLength;
    // RFC 7714 §9.1: without the E flag the whole packet is authenticated, nothing encrypted.
    const bool ok = encrypted ? gcm(in_.rtcp.cipher, false, iv, data, 8, word, kIndexWord, data + 8,
                                    plainLength - 8, tag)
                              : gcm(in_.rtcp.cipher, false, iv, data, plainLength, word, kIndexWord,
                                    nullptr, 0, tag);
    if (!ok) return false;
  } else {
    std::uint8_t digest[HmacSha1Key::kDigestLength];
    in_.rtcp.auth.compute(data, length - kSrtcpTag, nullptr, 0, digest);
    if (CRYPTO_memcmp(digest, data + length - kSrtcpTag, kSrtcpTag) != 0) return false;
    if (encrypted) {
      std::uint8_t iv[16];
      ctrIv(in_.rtcp.salt, ssrc, index, iv);
      if (!ctr(in_.rtcp.cipher, iv, data + 8, plainLength - 8)) return false;
    }
  }
  (known != nullptr ? *known : in_.sources.obtain(ssrc)).rtcp.accept(index);
  length = plainLength;
  return true;
}

}  // namespace rtcgate::media
