#pragma once

#include <cstddef>

namespace rtcgate::sip {

// The status classes 1xx..6xx, as the counters of responses index them.
inline constexpr std::size_t kStatusClasses = 6;

// 0 for 1xx .. 5 for 6xx; statuses outside 100..699 never parse.
constexpr std::size_t statusClassIndex(int status) {
  return status < 100 || status > 699 ? 0 : static_cast<std::size_t>(status / 100 - 1);
}

}  // namespace rtcgate::sip
