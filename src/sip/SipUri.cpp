#include "sip/SipUri.hpp"

#include <array>

#include "sip/Lex.hpp"

namespace rtcgate::sip {
namespace {

constexpr bool isUnreserved(char c) {
  if (lex::isAlnum(c)) return true;
  switch (c) {
    case '-':
    case '_':
    case '.':
    case '!':
    case '~':
    case '*':
    case '\'':
    case '(':
    case ')':
      return true;
    default:
      return false;
  }
}

constexpr bool isUserUnreserved(char c) {
  switch (c) {
    case '&':
    case '=':
    case '+':
    case '$':
    case ',':
    case ';':
    case '?':
    case '/':
      return true;
    default:
      return false;
  }
}

constexpr bool isPasswordChar(char c) {
  switch (c) {
    case '&':
    case '=':
    case '+':
    case '$':
    case ',':
      return true;
    default:
      return isUnreserved(c);
  }
}

constexpr bool isParamChar(char c) {
  switch (c) {
    case '[':
    case ']':
    case '/':
    case ':':
    case '&':
    case '+':
    case '$':
      return true;
    default:
      return isUnreserved(c);
  }
}

constexpr bool isHeaderChar(char c) {
  switch (c) {
    case '[':
    case ']':
    case '/':
    case '?':
    case ':':
    case '+':
    case '$':
      return true;
    default:
      return isUnreserved(c);
  }
}

// A set of characters as a table: every URI of every message is checked character by character,
// and a table lookup costs a fraction of a call through a predicate per character.
using CharSet = std::array<bool, 256>;

template <class Pred>
constexpr CharSet charSet(Pred member) {
  CharSet set{};
  for (int c = 0; c < 256; ++c) set[static_cast<std::size_t>(c)] = member(static_cast<char>(c));
  return set;
}

constexpr CharSet kUserChars =
    charSet([](char c) { return isUnreserved(c) || isUserUnreserved(c); });
constexpr CharSet kPasswordChars = charSet(isPasswordChar);
constexpr CharSet kParamChars = charSet(isParamChar);
constexpr CharSet kHeaderChars = charSet(isHeaderChar);

// Every character is in `allowed` or is a well-formed %HH escape.
bool validEscaped(std::string_view s, const CharSet& allowed) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size() || !lex::isHex(s[i + 1]) || !lex::isHex(s[i + 2])) return false;
      i += 2;
    } else if (!allowed[static_cast<unsigned char>(s[i])]) {
      return false;
    }
  }
  return true;
}

bool validScheme(std::string_view s) {
  if (s.empty() || !lex::isAlpha(s[0])) return false;
  for (char c : s) {
    if (!lex::isAlnum(c) && c != '+' && c != '-' && c != '.') return false;
  }
  return true;
}

bool validHostname(std::string_view host) {
  if (host.empty()) return false;
  for (char c : host) {
    if (!lex::isAlnum(c) && c != '-' && c != '.' && c != '_') return false;
  }
  return true;
}

// The bracketed IPv6reference; RFC 5118 4.10's extra colon is tolerated (robustness is asked).
bool validIpv6Reference(std::string_view ref) {
  if (ref.size() < 4 || ref.front() != '[' || ref.back() != ']') return false;
  bool sawColon = false;
  for (char c : ref.substr(1, ref.size() - 2)) {
    if (c == ':') {
      sawColon = true;
    } else if (!lex::isHex(c) && c != '.') {
      return false;
    }
  }
  return sawColon;
}

// name[=value] pairs separated by ';' (params) each made of chars allowed by pred.
bool validUriParams(std::string_view text, const CharSet& allowed) {
  while (!text.empty()) {
    text.remove_prefix(1);  // ';'
    std::size_t end = text.find(';');
    std::string_view param = text.substr(0, end);
    std::size_t eq = param.find('=');
    std::string_view name = param.substr(0, eq);
    if (name.empty() || !validEscaped(name, allowed)) return false;
    if (eq != std::string_view::npos) {
      std::string_view value = param.substr(eq + 1);
      if (value.empty() || !validEscaped(value, allowed)) return false;
    }
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end);
  }
  return true;
}

bool validUriHeaders(std::string_view text) {
  while (true) {
    std::size_t end = text.find('&');
    std::string_view header = text.substr(0, end);
    std::size_t eq = header.find('=');
    if (eq == 0 || eq == std::string_view::npos) return false;
    if (!validEscaped(header.substr(0, eq), kHeaderChars) ||
        !validEscaped(header.substr(eq + 1), kHeaderChars)) {
      return false;
    }
    if (end == std::string_view::npos) return true;
    text = text.substr(end + 1);
  }
}

Result<std::string_view> parseHostPort(std::string_view hostport, SipUri& uri) {
  std::string_view portText;
  bool hasPort = false;
  if (!hostport.empty() && hostport.front() == '[') {
    std::size_t close = hostport.find(']');
    if (close == std::string_view::npos) return Error{"Bad IPv6 reference"};
    uri.host = hostport.substr(0, close + 1);
    if (!validIpv6Reference(uri.host)) return Error{"Bad IPv6 reference"};
    std::string_view rest = hostport.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return Error{"Bad URI host"};
      hasPort = true;
      portText = rest.substr(1);
    }
  } else {
    std::size_t colon = hostport.find(':');
    uri.host = hostport.substr(0, colon);
    if (!validHostname(uri.host)) return Error{"Bad URI host"};
    if (colon != std::string_view::npos) {
      hasPort = true;
      portText = hostport.substr(colon + 1);
    }
  }
  if (hasPort) {
    std::uint16_t port = 0;
    if (!lex::parseUnsigned<std::uint16_t>(portText, 65535, port)) return Error{"Bad URI port"};
    uri.port = port;
  }
  return uri.host;
}

Result<SipUri> parseSipUri(std::string_view rest, SipUri uri) {
  std::size_t at = rest.find('@');
  if (at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    std::size_t colon = userinfo.find(':');
    uri.user = userinfo.substr(0, colon);
    if (uri.user.empty() || !validEscaped(uri.user, kUserChars)) {
      return Error{"Bad URI user"};
    }
    if (colon != std::string_view::npos) {
      uri.password = userinfo.substr(colon + 1);
      if (!validEscaped(uri.password, kPasswordChars)) return Error{"Bad URI password"};
    }
    rest = rest.substr(at + 1);
  }
  std::size_t question = rest.find('?');
  if (question != std::string_view::npos) {
    uri.headers = rest.substr(question + 1);
    if (!validUriHeaders(uri.headers)) return Error{"Bad URI headers"};
    rest = rest.substr(0, question);
  }
  std::size_t semi = rest.find(';');
  if (semi != std::string_view::npos) {
    uri.params = Parameters(rest.substr(semi));
    if (!validUriParams(rest.substr(semi), kParamChars)) return Error{"Bad URI parameter"};
    rest = rest.substr(0, semi);
  }
  auto host = parseHostPort(rest, uri);
  if (!host) return Error{host.error()};
  return uri;
}

Result<SipUri> parseTelUri(std::string_view rest, SipUri uri) {
  std::size_t semi = rest.find(';');
  uri.user = rest.substr(0, semi);
  if (uri.user.empty() || !validEscaped(uri.user, kParamChars)) return Error{"Bad tel number"};
  if (semi != std::string_view::npos) {
    uri.params = Parameters(rest.substr(semi));
    if (!validUriParams(rest.substr(semi), kParamChars)) return Error{"Bad URI parameter"};
  }
  return uri;
}

// Next octet of an escaped component, %XX decoded; advances i.
char decodedAt(std::string_view s, std::size_t& i) {
  if (s[i] == '%' && i + 2 < s.size() && lex::isHex(s[i + 1]) && lex::isHex(s[i + 2])) {
    char c = static_cast<char>(lex::hexValue(s[i + 1]) * 16 + lex::hexValue(s[i + 2]));
    i += 3;
    return c;
  }
  return s[i++];
}

// Compares two escaped components by their decoded octets, without building strings.
bool decodedEqual(std::string_view a, std::string_view b, bool caseInsensitive) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    char x = decodedAt(a, i);
    char y = decodedAt(b, j);
    if (caseInsensitive) {
      x = lex::toLower(x);
      y = lex::toLower(y);
    }
    if (x != y) return false;
  }
  return i == a.size() && j == b.size();
}

// RFC 3261 19.1.4: these parameters must match when present in either URI.
bool mustMatchParam(std::string_view name) {
  constexpr std::array<std::string_view, 5> kNames = {"user", "ttl", "method", "maddr",
                                                      "transport"};
  for (auto n : kNames) {
    if (lex::iequals(n, name)) return true;
  }
  return false;
}

bool paramsEquivalent(const Parameters& a, const Parameters& b, bool allMustMatch) {
  bool ok = true;
  auto checkOneWay = [&](const Parameters& x, const Parameters& y) {
    x.forEach([&](std::string_view name, std::string_view value) {
      auto other = y.get(name);
      if (!other) {
        if (allMustMatch || mustMatchParam(name)) ok = false;
        return;
      }
      if (!decodedEqual(value, *other, true)) ok = false;
    });
  };
  checkOneWay(a, b);
  checkOneWay(b, a);
  return ok;
}

std::string_view findUriHeader(std::string_view headers, std::string_view name) {
  while (!headers.empty()) {
    std::size_t end = headers.find('&');
    std::string_view header = headers.substr(0, end);
    std::size_t eq = header.find('=');
    if (decodedEqual(header.substr(0, eq), name, true)) {
      return eq == std::string_view::npos ? header.substr(header.size()) : header.substr(eq + 1);
    }
    headers = end == std::string_view::npos ? std::string_view{} : headers.substr(end + 1);
  }
  return {};
}

bool headersSubset(std::string_view a, std::string_view b) {
  while (!a.empty()) {
    std::size_t end = a.find('&');
    std::string_view header = a.substr(0, end);
    std::size_t eq = header.find('=');
    std::string_view name = header.substr(0, eq);
    std::string_view value =
        eq == std::string_view::npos ? std::string_view{} : header.substr(eq + 1);
    std::string_view other = findUriHeader(b, name);
    if (other.data() == nullptr || !decodedEqual(value, other, false)) return false;
    a = end == std::string_view::npos ? std::string_view{} : a.substr(end + 1);
  }
  return true;
}

// tel: numbers compare without visual separators (RFC 3966 4).
bool telNumbersEqual(std::string_view a, std::string_view b) {
  auto visual = [](char c) { return c == '-' || c == '.' || c == '(' || c == ')'; };
  std::size_t i = 0, j = 0;
  while (true) {
    while (i < a.size() && visual(a[i])) ++i;
    while (j < b.size() && visual(b[j])) ++j;
    if (i == a.size() || j == b.size()) return i == a.size() && j == b.size();
    if (lex::toLower(decodedAt(a, i)) != lex::toLower(decodedAt(b, j))) return false;
  }
}

}  // namespace

std::string_view SipUri::transport() const {
  constexpr std::array<std::string_view, 6> kTransports = {"udp", "tcp", "tls",
                                                           "ws",  "wss", "sctp"};
  auto value = params.get("transport");
  if (!value) return "";
  for (auto t : kTransports) {
    if (lex::iequals(t, *value)) return t;
  }
  return "";
}

std::string_view SipUri::hostNoBrackets() const {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    return host.substr(1, host.size() - 2);
  }
  return host;
}

Result<SipUri> parseUri(std::string_view text) {
  if (text.empty()) return Error{"Empty URI"};
  for (char c : text) {
    if (lex::isLws(c) || lex::isCtl(c) || c == '<' || c == '>' || c == '"') {
      return Error{"Bad URI character"};
    }
  }
  std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) return Error{"Bad URI scheme"};
  SipUri uri;
  uri.text = text;
  uri.schemeName = text.substr(0, colon);
  if (!validScheme(uri.schemeName)) return Error{"Bad URI scheme"};
  std::string_view rest = text.substr(colon + 1);
  if (lex::iequals(uri.schemeName, "sip")) {
    uri.scheme = UriScheme::Sip;
    return parseSipUri(rest, uri);
  }
  if (lex::iequals(uri.schemeName, "sips")) {
    uri.scheme = UriScheme::Sips;
    return parseSipUri(rest, uri);
  }
  if (lex::iequals(uri.schemeName, "tel")) {
    uri.scheme = UriScheme::Tel;
    return parseTelUri(rest, uri);
  }
  if (rest.empty()) return Error{"Bad URI"};
  return uri;
}

std::string unescapeUriComponent(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%') {
      if (i + 2 >= text.size() || !lex::isHex(text[i + 1]) || !lex::isHex(text[i + 2])) return "";
      out.push_back(
          static_cast<char>(lex::hexValue(text[i + 1]) * 16 + lex::hexValue(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

bool uriEquivalent(const SipUri& a, const SipUri& b) {
  if (a.scheme != b.scheme) return false;
  switch (a.scheme) {
    case UriScheme::Other:
      return lex::iequals(a.schemeName, b.schemeName) &&
             a.text.substr(a.schemeName.size()) == b.text.substr(b.schemeName.size());
    case UriScheme::Tel:
      return telNumbersEqual(a.user, b.user) && paramsEquivalent(a.params, b.params, true);
    case UriScheme::Sip:
    case UriScheme::Sips:
      break;
  }
  return decodedEqual(a.user, b.user, false) && decodedEqual(a.password, b.password, false) &&
         lex::iequals(a.host, b.host) && a.port == b.port &&
         paramsEquivalent(a.params, b.params, false) && headersSubset(a.headers, b.headers) &&
         headersSubset(b.headers, a.headers);
}

}  // namespace rtcgate::sip
