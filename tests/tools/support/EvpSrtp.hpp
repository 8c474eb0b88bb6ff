#pragma once

#include <openssl/evp.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "media/SrtpKeys.hpp"

namespace rtcgate::tools {

// SRTP for RTP packets (RFC 3711 AES_CM_128_HMAC_SHA1_80/_32, RFC 7714 AEAD_AES_128_GCM) on
// OpenSSL's EVP ciphers, for the load tools' packet loops. media::SrtpSession is libsrtp2, which
// Debian builds against NSS: profiled in webrtcuas, NSS took about 40% of the tool's CPU at a
// thousand calls, enough to make the load peer compete with the relay it measures. No replay
// window (a load peer counts, it does not defend) and no SRTCP. Checked against libsrtp2 by
// `webrtcuas --self-test`.
//
// protectRtp() and unprotectRtp() use separate contexts and state, so one thread may send while
// another receives; each direction belongs to one thread.
class EvpSrtp {
 public:
  // nullptr for a profile it does not speak.
  static std::unique_ptr<EvpSrtp> create(const media::SrtpKeys& keys);
  ~EvpSrtp();
  EvpSrtp(const EvpSrtp&) = delete;
  EvpSrtp& operator=(const EvpSrtp&) = delete;

  // In place; `length` is updated, `capacity` must leave room for the tag (16 bytes).
  bool protectRtp(std::uint8_t* data, std::size_t& length, std::size_t capacity);
  // Authenticates and decrypts in place; false (and nothing changed) for a packet that fails.
  bool unprotectRtp(std::uint8_t* data, std::size_t& length);

 private:
  // One direction's session keys (RFC 3711 §4.3 key derivation) and rollover counter.
  struct Direction {
    EVP_CIPHER_CTX* cipher = nullptr;
    EVP_MAC_CTX* mac = nullptr;  // HMAC-SHA1, AES-CM profiles only
    std::array<std::uint8_t, 14> salt{};
    std::uint32_t roc = 0;
    std::uint16_t highest = 0;
    bool seen = false;

    bool init(media::SrtpProfile profile, const std::uint8_t* masterKeySalt, bool encrypt);
    void release();
    // RFC 3711 §3.3.1: the rollover counter a sequence number most likely belongs to.
    std::uint32_t guessRoc(std::uint16_t sequence) const;
    void update(std::uint16_t sequence, std::uint32_t roc);
  };

  EvpSrtp() = default;
  bool hmac(Direction& d, const std::uint8_t* data, std::size_t length, std::uint32_t roc,
            std::uint8_t* tag) const;

  media::SrtpProfile profile_ = media::SrtpProfile::None;
  std::size_t tagLength_ = 0;
  Direction out_;
  Direction in_;
};

}  // namespace rtcgate::tools
