#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace rtcgate::sip {

// delta-seconds = 1*DIGIT (Expires, Min-Expires, expires= contact parameter, Retry-After).
// RFC 3261 20.19 limits the value to 2^32-1; larger all-digit values (RFC 4475 scalar02 sends
// 10^100) saturate to that maximum instead of overflowing. nullopt for anything that is not
// 1*DIGIT after trimming LWS, which RFC 3261 10.3 lets a registrar treat as its default.
std::optional<std::uint32_t> parseDeltaSeconds(std::string_view text);

}  // namespace rtcgate::sip
