#pragma once

#include <srtp2/srtp.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "media/webrtc/SrtpKeys.hpp"

namespace rtcgate::media::testing {

// libsrtp2 as the reference the relay's own SrtpSession is checked against (tests only): the same
// policy the relay used before it had its own SRTP, with libsrtp's default 128-packet window.
class LibSrtpOracle {
 public:
  static std::unique_ptr<LibSrtpOracle> create(const SrtpKeys& keys) {
    static const bool initialised = srtp_init() == srtp_err_status_ok;
    if (!initialised) return nullptr;
    std::unique_ptr<LibSrtpOracle> oracle(new LibSrtpOracle());
    oracle->outbound_ = context(keys.profile, keys.local, ssrc_any_outbound);
    oracle->inbound_ = context(keys.profile, keys.remote, ssrc_any_inbound);
    if (oracle->outbound_ == nullptr || oracle->inbound_ == nullptr) return nullptr;
    return oracle;
  }
  ~LibSrtpOracle() {
    if (outbound_ != nullptr) srtp_dealloc(outbound_);
    if (inbound_ != nullptr) srtp_dealloc(inbound_);
  }
  LibSrtpOracle(const LibSrtpOracle&) = delete;
  LibSrtpOracle& operator=(const LibSrtpOracle&) = delete;

  bool protectRtp(std::uint8_t* data, std::size_t& length) {
    return run(srtp_protect, outbound_, data, length);
  }
  bool protectRtcp(std::uint8_t* data, std::size_t& length) {
    return run(srtp_protect_rtcp, outbound_, data, length);
  }
  bool unprotectRtp(std::uint8_t* data, std::size_t& length) {
    return run(srtp_unprotect, inbound_, data, length);
  }
  bool unprotectRtcp(std::uint8_t* data, std::size_t& length) {
    return run(srtp_unprotect_rtcp, inbound_, data, length);
  }

 private:
  LibSrtpOracle() = default;

  template <typename Function>
  static bool run(Function function, srtp_t context, std::uint8_t* data, std::size_t& length) {
    int size = static_cast<int>(length);
    if (function(context, data, &size) != srtp_err_status_ok) return false;
    length = static_cast<std::size_t>(size);
    return true;
  }

  static srtp_t context(SrtpProfile profile,
                        const std::array<std::uint8_t, SrtpKeys::kMaxKeySalt>& key,
                        srtp_ssrc_type_t direction) {
    srtp_policy_t policy{};
    switch (profile) {
      case SrtpProfile::AesCm128HmacSha1_80:
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
        break;
      case SrtpProfile::AesCm128HmacSha1_32:
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&policy.rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
        break;
      case SrtpProfile::AeadAes128Gcm:
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
        break;
      case SrtpProfile::None:
        return nullptr;
    }
    std::array<std::uint8_t, SrtpKeys::kMaxKeySalt> copy = key;
    policy.key = copy.data();
    policy.ssrc.type = direction;
    policy.window_size = 128;
    policy.allow_repeat_tx = 1;
    srtp_t created = nullptr;
    if (srtp_create(&created, &policy) != srtp_err_status_ok) return nullptr;
    return created;
  }

  srtp_t outbound_ = nullptr;
  srtp_t inbound_ = nullptr;
};

}  // namespace rtcgate::media::testing
