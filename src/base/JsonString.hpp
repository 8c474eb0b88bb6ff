#pragma once

#include <string>
#include <string_view>

namespace rtcgate {

// Appends `text` as a JSON string literal: quotes, backslashes and control bytes escaped. For the
// small JSON documents written without a JSON library (DTMF log datagrams, recording sidecars);
// tags and call-ids are the peers' text and may hold any byte.
inline void appendJsonString(std::string& out, std::string_view text) {
  constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20) {
      out += "\\u00";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out += c;
    }
  }
  out += '"';
}

}  // namespace rtcgate
