#pragma once

#include <cstdint>
#include <limits>
#include <string_view>

#include "base/AsciiCase.hpp"

// Character classes and small scanners shared by the SIP parsers (RFC 3261 25.1). Everything works
// on string_views and never allocates, so it is safe on the packet path.
namespace rtcgate::sip::lex {

constexpr bool isDigit(char c) { return c >= '0' && c <= '9'; }
constexpr bool isAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool isAlnum(char c) { return isDigit(c) || isAlpha(c); }
constexpr bool isHex(char c) {
  return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
// LWS including the CRLF of a folded line (values keep folding as written).
constexpr bool isLws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
constexpr bool isCtl(char c) { return (static_cast<unsigned char>(c) < 0x20) || c == 0x7f; }
constexpr char toLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")
constexpr bool isTokenChar(char c) {
  if (isAlnum(c)) return true;
  switch (c) {
    case '-':
    case '.':
    case '!':
    case '%':
    case '*':
    case '_':
    case '+':
    case '`':
    case '\'':
    case '~':
      return true;
    default:
      return false;
  }
}

constexpr int hexValue(char c) {
  if (isDigit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

inline bool isToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!isTokenChar(c)) return false;
  }
  return true;
}

inline std::string_view trimLeft(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && isLws(s[i])) ++i;
  return s.substr(i);
}

inline std::string_view trimRight(std::string_view s) {
  std::size_t n = s.size();
  while (n > 0 && isLws(s[n - 1])) --n;
  return s.substr(0, n);
}

inline std::string_view trim(std::string_view s) { return trimRight(trimLeft(s)); }

inline bool iequals(std::string_view a, std::string_view b) { return equalsIgnoringCase(a, b); }

inline bool istartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

inline bool hasLws(std::string_view s) {
  for (char c : s) {
    if (isLws(c)) return true;
  }
  return false;
}

// Strict unsigned decimal: 1*DIGIT, nothing else, and a value no larger than max. Overflow is
// detected before it happens, so absurd inputs ("1" followed by 100 zeros) are plain errors.
template <class T>
bool parseUnsigned(std::string_view s, T max, T& out) {
  static_assert(std::numeric_limits<T>::is_integer && !std::numeric_limits<T>::is_signed);
  if (s.empty()) return false;
  T value = 0;
  for (char c : s) {
    if (!isDigit(c)) return false;
    T digit = static_cast<T>(c - '0');
    if (value > (max - digit) / 10) return false;
    value = static_cast<T>(value * 10 + digit);
  }
  out = value;
  return true;
}

// Index of the closing quote of the quoted string that starts at s[start] == '"', honouring
// quoted-pair escapes; npos when unterminated.
inline std::size_t skipQuoted(std::string_view s, std::size_t start) {
  for (std::size_t i = start + 1; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '"') {
      return i;
    }
  }
  return std::string_view::npos;
}

// First occurrence of c outside quoted strings and <...>; npos when none (or on a quote that never
// closes, which the element parser then reports).
inline std::size_t findUnquoted(std::string_view s, char c, std::size_t from = 0) {
  bool inAngle = false;
  for (std::size_t i = from; i < s.size(); ++i) {
    char ch = s[i];
    if (ch == '"') {
      std::size_t end = skipQuoted(s, i);
      if (end == std::string_view::npos) return std::string_view::npos;
      i = end;
    } else if (ch == '<') {
      inAngle = true;
    } else if (ch == '>') {
      inAngle = false;
    } else if (ch == c && !inAngle) {
      return i;
    }
  }
  return std::string_view::npos;
}

}  // namespace rtcgate::sip::lex
