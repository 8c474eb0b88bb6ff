#include "sip/NameAddr.hpp"

#include "sip/Lex.hpp"

namespace rtcgate::sip {
namespace {

// Header parameters after the URI; `rest` must be empty or start (after LWS) with ';'.
Result<Parameters> parseTrailingParams(std::string_view rest) {
  rest = lex::trimLeft(rest);
  if (!validHeaderParameters(rest)) return Error{"Bad header parameters"};
  return Parameters(rest);
}

// name-addr: [display-name] LAQUOT addr-spec RAQUOT; `s` starts at '<'.
Result<NameAddr> parseBracketed(std::string_view s, NameAddr out) {
  std::size_t close = s.find('>');
  if (close == std::string_view::npos) return Error{"Missing '>'"};
  out.uriText = s.substr(1, close - 1);
  // RFC 4475 badaspec: LWS inside <> is not allowed.
  auto uri = parseUri(out.uriText);
  if (!uri) return Error{uri.error()};
  out.uri = *uri;
  auto params = parseTrailingParams(s.substr(close + 1));
  if (!params) return Error{params.error()};
  out.params = *params;
  return out;
}

}  // namespace

Result<NameAddr> parseNameAddr(std::string_view text) {
  std::string_view s = lex::trim(text);
  NameAddr out;
  if (s.empty()) return Error{"Empty address"};
  if (s == "*") {
    out.star = true;
    return out;
  }
  if (s.front() == '"') {
    std::size_t close = lex::skipQuoted(s, 0);
    if (close == std::string_view::npos) return Error{"Unterminated quoted string"};
    out.displayName = s.substr(0, close + 1);
    std::string_view rest = lex::trimLeft(s.substr(close + 1));
    if (rest.empty() || rest.front() != '<') return Error{"Missing '<'"};
    return parseBracketed(rest, out);
  }
  // A run of tokens and LWS followed by '<' is a display name (lwsdisp: no LWS before '<' is ok).
  std::size_t i = 0;
  while (i < s.size() && (lex::isTokenChar(s[i]) || lex::isLws(s[i]))) ++i;
  if (i < s.size() && s[i] == '<') {
    out.displayName = lex::trimRight(s.substr(0, i));
    return parseBracketed(s.substr(i), out);
  }
  // addr-spec: the URI ends at the first ';' or LWS; a URI holding ',', '?' or ';' needs <>.
  std::size_t end = 0;
  while (end < s.size() && s[end] != ';' && !lex::isLws(s[end])) ++end;
  out.uriText = s.substr(0, end);
  if (out.uriText.find_first_of("?,") != std::string_view::npos) {
    return Error{"URI with '?' or ',' needs <>"};
  }
  auto uri = parseUri(out.uriText);
  if (!uri) return Error{uri.error()};
  out.uri = *uri;
  auto params = parseTrailingParams(s.substr(end));
  if (!params) return Error{params.error()};
  out.params = *params;
  return out;
}

}  // namespace rtcgate::sip
