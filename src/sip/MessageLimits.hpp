#pragma once

#include <cstddef>
#include <string_view>

namespace rtcgate::sip {

// Caps on what one message may carry, in the spirit of Kamailio's parser limits: far above any
// real SIP traffic, low enough that no message makes the proxy do much work or hold much memory
// (docs/security.md). SipMessage::parse() refuses a message over a cap with one of the reasons
// below; a request is answered 414 (Request-URI) or 400 with that reason, and counted.
struct MessageLimits {
  static constexpr std::size_t kRequestUri = 4096;    // whole Request-URI, bytes
  static constexpr std::size_t kUserPart = 256;       // user part of any SIP URI, bytes (escaped)
  static constexpr std::size_t kHost = 255;           // host of any SIP URI (RFC 1035: 253 + [])
  static constexpr std::size_t kHeaderValue = 8192;   // one header field value, folding included
  static constexpr std::size_t kHeaderLines = 256;    // header lines, continuation lines included
  static constexpr std::size_t kHeaderEntries = 512;  // headers after splitting list headers
  static constexpr std::size_t kVias = 70;            // Via entries (Max-Forwards' usual 70 hops)
  static constexpr std::size_t kRouteEntries = 32;    // Route, Record-Route and Path, each
};

inline constexpr char kErrorUriTooLong[] = "Request-URI Too Long";  // 414 (RFC 3261 21.4.12)
inline constexpr char kErrorUriPartTooLong[] = "URI User Or Host Too Long";
inline constexpr char kErrorHeaderTooLong[] = "Header Value Too Long";
inline constexpr char kErrorTooManyHeaders[] = "Too Many Headers";
inline constexpr char kErrorTooManyVias[] = "Too Many Via Entries";
inline constexpr char kErrorTooManyRoutes[] = "Too Many Route Entries";

// Whether a parse() error reason is one of the caps above (compares the pointers).
bool isLimitError(const char* reason);

}  // namespace rtcgate::sip
