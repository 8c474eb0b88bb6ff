#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace rtcgate::media {

// The SRTP protection profiles the relay speaks (RFC 5764 §4.1.2, RFC 7714 §14.2).
enum class SrtpProfile { None, AesCm128HmacSha1_80, AesCm128HmacSha1_32, AeadAes128Gcm };

// Master key and salt of each direction of one SRTP association: `local` protects what we send,
// `remote` unprotects what we receive. Fixed-size, so a stream carries them without allocating.
struct SrtpKeys {
  static constexpr std::size_t kMaxKeySalt = 32;  // 16-byte key + 14-byte salt (or 12 for GCM)

  SrtpProfile profile = SrtpProfile::None;
  std::array<std::uint8_t, kMaxKeySalt> local{};
  std::array<std::uint8_t, kMaxKeySalt> remote{};

  static std::size_t keyLength(SrtpProfile) { return 16; }
  static std::size_t saltLength(SrtpProfile profile) {
    return profile == SrtpProfile::AeadAes128Gcm ? 12 : 14;
  }
  static std::size_t keySaltLength(SrtpProfile profile) {
    return keyLength(profile) + saltLength(profile);
  }
};

}  // namespace rtcgate::media
