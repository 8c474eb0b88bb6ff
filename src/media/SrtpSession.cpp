#include "media/SrtpSession.hpp"

#include <array>

namespace rtcgate::media {
namespace {

bool initLibrary() {
  static const bool ok = srtp_init() == srtp_err_status_ok;
  return ok;
}

bool setPolicy(SrtpProfile profile, srtp_policy_t& policy) {
  switch (profile) {
    case SrtpProfile::AesCm128HmacSha1_80:
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
      return true;
    case SrtpProfile::AesCm128HmacSha1_32:
      // RFC 5764 §4.1.2: the 32-bit tag is for SRTP only; SRTCP keeps the 80-bit one.
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&policy.rtp);
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
      return true;
    case SrtpProfile::AeadAes128Gcm:
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
      return true;
    case SrtpProfile::None:
      break;
  }
  return false;
}

srtp_t createContext(SrtpProfile profile,
                     const std::array<std::uint8_t, SrtpKeys::kMaxKeySalt>& key,
                     srtp_ssrc_type_t direction) {
  srtp_policy_t policy{};
  if (!setPolicy(profile, policy)) return nullptr;
  // libsrtp reads the key and never writes it, but its field is not const.
  std::array<std::uint8_t, SrtpKeys::kMaxKeySalt> copy = key;
  policy.key = copy.data();
  policy.ssrc.type = direction;
  policy.window_size = 1024;
  // The relay forwards what the sender sent, retransmissions included.
  policy.allow_repeat_tx = 1;
  srtp_t context = nullptr;
  if (srtp_create(&context, &policy) != srtp_err_status_ok) return nullptr;
  return context;
}

bool fits(std::size_t length, std::size_t capacity) {
  return length + SrtpSession::kMaxTrailer <= capacity && length <= 0x7FFFFFFF;
}

}  // namespace

Result<std::unique_ptr<SrtpSession>> SrtpSession::create(const SrtpKeys& keys) {
  if (!initLibrary()) return Error{"libsrtp initialisation failed"};
  std::unique_ptr<SrtpSession> session(new SrtpSession());
  session->profile_ = keys.profile;
  session->outbound_ = createContext(keys.profile, keys.local, ssrc_any_outbound);
  session->inbound_ = createContext(keys.profile, keys.remote, ssrc_any_inbound);
  if (session->outbound_ == nullptr || session->inbound_ == nullptr) {
    return Error{"cannot create SRTP session"};
  }
  return session;
}

SrtpSession::~SrtpSession() {
  if (outbound_ != nullptr) srtp_dealloc(outbound_);
  if (inbound_ != nullptr) srtp_dealloc(inbound_);
}

bool SrtpSession::protectRtp(std::uint8_t* data, std::size_t& length, std::size_t capacity) {
  if (!fits(length, capacity)) return false;
  int size = static_cast<int>(length);
  if (srtp_protect(outbound_, data, &size) != srtp_err_status_ok) return false;
  length = static_cast<std::size_t>(size);
  return true;
}

bool SrtpSession::protectRtcp(std::uint8_t* data, std::size_t& length, std::size_t capacity) {
  if (!fits(length, capacity)) return false;
  int size = static_cast<int>(length);
  if (srtp_protect_rtcp(outbound_, data, &size) != srtp_err_status_ok) return false;
  length = static_cast<std::size_t>(size);
  return true;
}

bool SrtpSession::unprotectRtp(std::uint8_t* data, std::size_t& length) {
  int size = static_cast<int>(length);
  if (srtp_unprotect(inbound_, data, &size) != srtp_err_status_ok) return false;
  length = static_cast<std::size_t>(size);
  return true;
}

bool SrtpSession::unprotectRtcp(std::uint8_t* data, std::size_t& length) {
  int size = static_cast<int>(length);
  if (srtp_unprotect_rtcp(inbound_, data, &size) != srtp_err_status_ok) return false;
  length = static_cast<std::size_t>(size);
  return true;
}

}  // namespace rtcgate::media
