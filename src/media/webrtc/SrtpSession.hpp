#pragma once

#include <openssl/types.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "base/Result.hpp"
#include "media/webrtc/HmacSha1Key.hpp"
#include "media/webrtc/SrtpKeys.hpp"
#include "media/webrtc/SrtpSsrcTable.hpp"

namespace rtcgate::media {

// One SRTP association (RFC 3711 AES_CM_128_HMAC_SHA1_80/_32, RFC 7714 AEAD_AES_128_GCM) on
// OpenSSL's EVP ciphers: `protect*` encrypts what we send with the local key, `unprotect*`
// authenticates and decrypts what we receive with the remote key (replay-checked, 128-packet
// windows for SRTP and SRTCP per SSRC). The session keys are derived and the cipher contexts keyed
// once in create(); a packet only sets its IV. Works in place on the relay's packet buffers: no
// allocation, lock or log per packet. Only its worker thread touches it.
//
// What the relay forwards may repeat (retransmissions): protect re-encrypts a repeated index rather
// than refusing it, as libsrtp's allow_repeat_tx did. A packet that fails unprotect is dropped by
// the caller; with GCM it has been decrypted in place by then.
class SrtpSession {
 public:
  // Room protect needs after the packet: SRTCP with GCM adds a 16-byte tag and the 4-byte E||index.
  static constexpr std::size_t kMaxTrailer = 20;

  // `reserved` (from reserve()) is keyed and returned when its profile matches the keys'.
  static Result<std::unique_ptr<SrtpSession>> create(
      const SrtpKeys& keys, std::unique_ptr<SrtpSession> reserved = nullptr);
  // An unkeyed session holding the memory (session, cipher contexts) of one with `expected`'s
  // profile, taken now: create(keys, reserved) keys it without allocating when the profile
  // matches. DTLS-SRTP reserves when the handshake starts, so the long-lived contexts are not
  // allocated among the handshake's short-lived memory (which would pin it once freed).
  static std::unique_ptr<SrtpSession> reserve(SrtpProfile expected);
  ~SrtpSession();
  SrtpSession(const SrtpSession&) = delete;
  SrtpSession& operator=(const SrtpSession&) = delete;

  // `length` is updated; `capacity` is the buffer size (must leave kMaxTrailer after the packet).
  bool protectRtp(std::uint8_t* data, std::size_t& length, std::size_t capacity);
  bool protectRtcp(std::uint8_t* data, std::size_t& length, std::size_t capacity);
  bool unprotectRtp(std::uint8_t* data, std::size_t& length);
  bool unprotectRtcp(std::uint8_t* data, std::size_t& length);

  SrtpProfile profile() const { return profile_; }

 private:
  // The session keys of SRTP or SRTCP in one direction (RFC 3711 §4.3.1 labels).
  struct Keys {
    EVP_CIPHER_CTX* cipher = nullptr;  // AES-128-CTR or AES-128-GCM, keyed once
    HmacSha1Key auth;                  // AES-CM profiles only
    std::array<std::uint8_t, 14> salt{};
  };
  struct Direction {
    Keys rtp;
    Keys rtcp;
    SrtpSsrcTable sources;
  };

  SrtpSession() = default;
  bool setProfile(SrtpProfile profile);
  bool allocate(Direction& direction, bool encrypt);
  bool init(Direction& direction, const std::uint8_t* masterKeySalt, bool encrypt);
  bool cryptRtp(Keys& keys, bool encrypt, std::uint8_t* data, std::size_t header,
                std::size_t length, std::uint64_t index, std::uint8_t* tag);
  bool cryptRtcp(Keys& keys, bool encrypt, std::uint8_t* data, std::size_t length,
                 const std::uint8_t* indexWord, std::uint8_t* tag);

  SrtpProfile profile_ = SrtpProfile::None;
  bool gcm_ = false;
  std::size_t rtpTag_ = 0;
  Direction out_;
  Direction in_;
};

}  // namespace rtcgate::media
