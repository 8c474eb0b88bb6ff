#pragma once

#include <algorithm>
#include <cctype>
#include <string_view>

namespace rtcgate::media {

// SDP encoding names and fmtp parameter names compare without regard to case (RFC 4566 6, 8.2.3).
inline bool equalsIgnoringCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

}  // namespace rtcgate::media
