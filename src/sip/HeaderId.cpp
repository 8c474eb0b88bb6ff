#include "sip/HeaderId.hpp"

#include <array>

#include "sip/Lex.hpp"

namespace rtcgate::sip {
namespace {

constexpr std::array<std::string_view, static_cast<std::size_t>(HeaderId::Count)> kNames = {
    "",
    "Via",
    "From",
    "To",
    "Call-ID",
    "CSeq",
    "Max-Forwards",
    "Contact",
    "Route",
    "Record-Route",
    "Path",
    "Content-Length",
    "Content-Type",
    "Expires",
    "Min-Expires",
    "Authorization",
    "Proxy-Authorization",
    "WWW-Authenticate",
    "Proxy-Authenticate",
    "Authentication-Info",
    "Supported",
    "Require",
    "Proxy-Require",
    "Unsupported",
    "Allow",
    "User-Agent",
    "Server",
    "Event",
    "Date",
    "Timestamp",
    "Flow-Timer",
    "Session-Expires",
    "Min-SE",
};

HeaderId compactId(char c) {
  switch (lex::toLower(c)) {
    case 'v':
      return HeaderId::Via;
    case 'f':
      return HeaderId::From;
    case 't':
      return HeaderId::To;
    case 'i':
      return HeaderId::CallId;
    case 'm':
      return HeaderId::Contact;
    case 'l':
      return HeaderId::ContentLength;
    case 'c':
      return HeaderId::ContentType;
    case 'k':
      return HeaderId::Supported;
    case 'o':
      return HeaderId::Event;
    case 'x':
      return HeaderId::SessionExpires;
    default:
      return HeaderId::Other;
  }
}

HeaderId matchIf(std::string_view name, HeaderId candidate) {
  return lex::iequals(name, canonicalHeaderName(candidate)) ? candidate : HeaderId::Other;
}

}  // namespace

// Dispatch on length and first letter, then one case-insensitive compare: no table walk, no map.
HeaderId headerIdFromName(std::string_view name) {
  if (name.empty()) return HeaderId::Other;
  const char first = lex::toLower(name[0]);
  switch (name.size()) {
    case 1:
      return compactId(first);
    case 2:
      return matchIf(name, HeaderId::To);
    case 3:
      return matchIf(name, HeaderId::Via);
    case 4:
      switch (first) {
        case 'f':
          return matchIf(name, HeaderId::From);
        case 'c':
          return matchIf(name, HeaderId::CSeq);
        case 'p':
          return matchIf(name, HeaderId::Path);
        case 'd':
          return matchIf(name, HeaderId::Date);
        default:
          return HeaderId::Other;
      }
    case 5:
      switch (first) {
        case 'r':
          return matchIf(name, HeaderId::Route);
        case 'a':
          return matchIf(name, HeaderId::Allow);
        case 'e':
          return matchIf(name, HeaderId::Event);
        default:
          return HeaderId::Other;
      }
    case 6:
      return first == 'm' ? matchIf(name, HeaderId::MinSe) : matchIf(name, HeaderId::Server);
    case 7:
      switch (first) {
        case 'c':
          if (lex::iequals(name, "Call-ID")) return HeaderId::CallId;
          return matchIf(name, HeaderId::Contact);
        case 'e':
          return matchIf(name, HeaderId::Expires);
        case 'r':
          return matchIf(name, HeaderId::Require);
        default:
          return HeaderId::Other;
      }
    case 9:
      switch (first) {
        case 's':
          return matchIf(name, HeaderId::Supported);
        case 't':
          return matchIf(name, HeaderId::Timestamp);
        default:
          return HeaderId::Other;
      }
    case 10:
      switch (first) {
        case 'u':
          return matchIf(name, HeaderId::UserAgent);
        case 'f':
          return matchIf(name, HeaderId::Flow);
        default:
          return HeaderId::Other;
      }
    case 11:
      switch (first) {
        case 'm':
          return matchIf(name, HeaderId::MinExpires);
        case 'u':
          return matchIf(name, HeaderId::Unsupported);
        default:
          return HeaderId::Other;
      }
    case 12:
      switch (first) {
        case 'm':
          return matchIf(name, HeaderId::MaxForwards);
        case 'r':
          return matchIf(name, HeaderId::RecordRoute);
        case 'c':
          return matchIf(name, HeaderId::ContentType);
        default:
          return HeaderId::Other;
      }
    case 13:
      switch (first) {
        case 'a':
          return matchIf(name, HeaderId::Authorization);
        case 'p':
          return matchIf(name, HeaderId::ProxyRequire);
        default:
          return HeaderId::Other;
      }
    case 14:
      return matchIf(name, HeaderId::ContentLength);
    case 15:
      return matchIf(name, HeaderId::SessionExpires);
    case 16:
      return matchIf(name, HeaderId::WwwAuthenticate);
    case 18:
      return matchIf(name, HeaderId::ProxyAuthenticate);
    case 19:
      switch (first) {
        case 'p':
          return matchIf(name, HeaderId::ProxyAuthorization);
        case 'a':
          return matchIf(name, HeaderId::AuthenticationInfo);
        default:
          return HeaderId::Other;
      }
    default:
      return HeaderId::Other;
  }
}

std::string_view canonicalHeaderName(HeaderId id) {
  const auto index = static_cast<std::size_t>(id);
  return index < kNames.size() ? kNames[index] : std::string_view{};
}

bool isListHeader(HeaderId id) {
  switch (id) {
    case HeaderId::Via:
    case HeaderId::Route:
    case HeaderId::RecordRoute:
    case HeaderId::Contact:
    case HeaderId::Path:
      return true;
    default:
      return false;
  }
}

}  // namespace rtcgate::sip
