#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/Result.hpp"
#include "sip/Parameters.hpp"

namespace rtcgate::sip {

enum class UriScheme : std::uint8_t { Sip, Sips, Tel, Other };

// A parsed sip:, sips: or tel: URI (RFC 3261 19.1, RFC 3966), as views into the text it was parsed
// from. Other schemes (im:, http:, unknown) parse with scheme Other and only `text`/`schemeName`
// set.
struct SipUri {
  std::string_view text;        // the whole URI
  std::string_view schemeName;  // as written
  UriScheme scheme = UriScheme::Other;
  std::string_view user;  // still %-escaped; for tel: the number
  std::string_view password;
  std::string_view host;     // IPv6 references keep their brackets: "[2001:db8::1]"
  std::uint16_t port = 0;    // 0 when absent
  Parameters params;         // ";transport=tcp;lr"
  std::string_view headers;  // after '?', without it

  std::string_view param(std::string_view name) const { return params.get(name).value_or(""); }
  bool hasParam(std::string_view name) const { return params.has(name); }
  // transport parameter lower-cased into a fixed set: "udp", "tcp", "tls", "ws", "wss", "sctp" or
  // "".
  std::string_view transport() const;
  // The host without IPv6 brackets.
  std::string_view hostNoBrackets() const;
};

Result<SipUri> parseUri(std::string_view text);

// %XX-decodes a URI component (user, parameter value). Returns "" on malformed escapes.
std::string unescapeUriComponent(std::string_view text);

// Compares two URIs by RFC 3261 19.1.4 rules (scheme, user case-sensitive, host case-insensitive,
// escapes decoded, listed params).
bool uriEquivalent(const SipUri& a, const SipUri& b);

}  // namespace rtcgate::sip
