#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>

namespace rtcgate::media {

// HMAC-SHA1 over several byte ranges, for STUN MESSAGE-INTEGRITY (RFC 5389 §15.4). Only on the
// STUN path (a few checks per second per stream), never per media packet.
class HmacSha1 {
 public:
  using Digest = std::array<std::uint8_t, 20>;
  static bool compute(std::string_view key,
                      std::initializer_list<std::span<const std::uint8_t>> parts, Digest& out);
};

}  // namespace rtcgate::media
