// libFuzzer target: SRTP/SRTCP unprotect reads headers, lengths and trailers of whatever arrives at
// a WebRTC port before authentication, so it must refuse any input without reading out of bounds;
// and whatever protect accepts as a plain packet (any header shape) must come back unchanged
// through unprotect with the peer's keys.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "media/webrtc/SrtpSession.hpp"

namespace {

using rtcgate::media::SrtpKeys;
using rtcgate::media::SrtpProfile;
using rtcgate::media::SrtpSession;

constexpr std::size_t kMaxPacket = 1500;

SrtpKeys keysFor(SrtpProfile profile, bool mirrored) {
  SrtpKeys keys;
  keys.profile = profile;
  for (std::size_t i = 0; i < keys.local.size(); ++i) {
    keys.local[i] = static_cast<std::uint8_t>(i + 1);
    keys.remote[i] = static_cast<std::uint8_t>(5 * i + 3);
  }
  if (mirrored) std::swap(keys.local, keys.remote);
  return keys;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1 || size - 1 > kMaxPacket) return 0;
  // The first byte picks the profile and RTP or RTCP.
  static constexpr SrtpProfile kProfiles[] = {SrtpProfile::AesCm128HmacSha1_80,
                                              SrtpProfile::AesCm128HmacSha1_32,
                                              SrtpProfile::AeadAes128Gcm};
  const SrtpProfile profile = kProfiles[data[0] % 3];
  const bool rtcp = (data[0] & 0x80) != 0;
  const std::uint8_t* packet = data + 1;
  const std::size_t length = size - 1;
  auto sender = SrtpSession::create(keysFor(profile, false));
  auto receiver = SrtpSession::create(keysFor(profile, true));
  if (!sender || !receiver) __builtin_trap();

  std::array<std::uint8_t, kMaxPacket + SrtpSession::kMaxTrailer> buffer;
  std::memcpy(buffer.data(), packet, length);
  std::size_t received = length;
  // Random bytes essentially never authenticate; nothing must be read beyond `length`.
  const bool accepted = rtcp ? (*receiver)->unprotectRtcp(buffer.data(), received)
                             : (*receiver)->unprotectRtp(buffer.data(), received);
  if (accepted && received > length) __builtin_trap();

  std::memcpy(buffer.data(), packet, length);
  std::size_t sent = length;
  const bool protectedOk = rtcp ? (*sender)->protectRtcp(buffer.data(), sent, buffer.size())
                                : (*sender)->protectRtp(buffer.data(), sent, buffer.size());
  if (!protectedOk) return 0;
  if (sent <= length || sent > buffer.size()) __builtin_trap();
  const bool back = rtcp ? (*receiver)->unprotectRtcp(buffer.data(), sent)
                         : (*receiver)->unprotectRtp(buffer.data(), sent);
  if (!back || sent != length || std::memcmp(buffer.data(), packet, length) != 0) __builtin_trap();
  return 0;
}
