#pragma once

#include <cstdint>
#include <string_view>

namespace rtcgate::sip {

// Headers the gateway looks at. Everything else is HeaderId::Other and passes through untouched.
enum class HeaderId : std::uint8_t {
  Other,
  Via,
  From,
  To,
  CallId,
  CSeq,
  MaxForwards,
  Contact,
  Route,
  RecordRoute,
  Path,
  ContentLength,
  ContentType,
  Expires,
  MinExpires,
  Authorization,
  ProxyAuthorization,
  WwwAuthenticate,
  ProxyAuthenticate,
  AuthenticationInfo,
  Supported,
  Require,
  ProxyRequire,
  Unsupported,
  Allow,
  UserAgent,
  Server,
  Event,
  Date,
  Timestamp,
  Flow,            // RFC 5626 Flow-Timer
  SessionExpires,  // RFC 4028 Session-Expires, compact form x
  MinSe,           // RFC 4028 Min-SE
  Count            // number of ids, not a header
};

// Case-insensitive, compact forms included (v, f, t, i, m, l, c, k, s, e, o, x, ...).
HeaderId headerIdFromName(std::string_view name);

// The full canonical spelling ("Via", "Call-ID", "CSeq", ...); "" for Other.
std::string_view canonicalHeaderName(HeaderId id);

// True for headers whose value is a comma-separated list that the parser splits into one Header
// entry per element (Via, Route, Record-Route, Contact, Path).
bool isListHeader(HeaderId id);

}  // namespace rtcgate::sip
