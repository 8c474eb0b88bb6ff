#pragma once

#include <srtp2/srtp.h>

#include <cstddef>
#include <cstdint>
#include <memory>

#include "base/Result.hpp"
#include "media/SrtpKeys.hpp"

namespace rtcgate::media {

// One SRTP association over libsrtp2: `protect*` encrypts what we send with the local key,
// `unprotect*` authenticates and decrypts what we receive with the remote key (replay-checked).
// Works in place on the relay's packet buffers; no allocation per packet (libsrtp allocates once
// per new SSRC). Only its worker thread touches it.
class SrtpSession {
 public:
  // Room protect needs after the payload (auth tag, SRTCP index, GCM tag).
  static constexpr std::size_t kMaxTrailer = SRTP_MAX_TRAILER_LEN;

  static Result<std::unique_ptr<SrtpSession>> create(const SrtpKeys& keys);
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
  SrtpSession() = default;

  srtp_t outbound_ = nullptr;
  srtp_t inbound_ = nullptr;
  SrtpProfile profile_ = SrtpProfile::None;
};

}  // namespace rtcgate::media
