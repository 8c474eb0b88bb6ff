#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/Result.hpp"
#include "media/webrtc/SrtpKeys.hpp"

namespace rtcgate::media {

// One SDES a=crypto line (RFC 4568): "<tag> <suite> inline:<base64 key||salt>[|lifetime][|MKI]".
// The relay offers and accepts one key per line without MKI (what SIP endpoints use).
struct SdesCrypto {
  int tag = 1;
  SrtpProfile profile = SrtpProfile::None;
  std::array<std::uint8_t, SrtpKeys::kMaxKeySalt> keySalt{};

  // The attribute value after "a=crypto:". Unknown suites, MKIs and bad keys are refused.
  static Result<SdesCrypto> parse(std::string_view value);
  // A fresh random key for `profile`.
  static SdesCrypto generate(int tag, SrtpProfile profile);
  std::string format() const;

  static std::string_view suiteName(SrtpProfile profile);
};

}  // namespace rtcgate::media
