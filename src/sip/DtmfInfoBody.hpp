#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rtcgate::sip {

// One DTMF digit carried in a SIP INFO body, in the two forms phones and gateways use:
//   application/dtmf-relay  "Signal=5\r\nDuration=160\r\n" (Cisco/SIP INFO; duration in ms)
//   application/dtmf        "5"
// Parsing is tolerant, as senders differ: keys in any case, spaces around '=', LF or CRLF, lines
// in any order, unknown lines ignored, Duration missing, a Signal given as its event number
// ("10" for '*', "11" for '#', "12".."15" for A-D).
struct DtmfInfoBody {
  enum class Format { DtmfRelay, Dtmf };

  char digit = '0';                         // '0'-'9', '*', '#', 'A'-'D'
  std::optional<std::uint32_t> durationMs;  // absent when the body does not say

  // Parses a body of the given Content-Type (its parameters and case ignored); nullopt when the
  // type is neither of the two or the body names no digit.
  static std::optional<DtmfInfoBody> parse(std::string_view contentType, std::string_view body);
  // The body in `format` ("Signal=5\r\nDuration=160\r\n" or "5"); a missing duration is left out.
  std::string write(Format format) const;
  // "application/dtmf-relay" or "application/dtmf".
  static std::string_view contentType(Format format);
  // Which format a Content-Type value names, if either.
  static std::optional<Format> formatOf(std::string_view contentType);
};

}  // namespace rtcgate::sip
