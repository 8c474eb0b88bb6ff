#include "sip/Parameters.hpp"

#include "sip/Lex.hpp"

namespace rtcgate::sip {

// Tolerates LWS (folding included) around names, '=' and values, as RFC 3261 allows in header
// parameters; URI parameters never contain any, so the same scanner serves both.
std::string_view nextParameter(std::string_view text, std::string_view& name,
                               std::string_view& value) {
  std::size_t i = 0;
  while (i < text.size() && lex::isLws(text[i])) ++i;
  const std::size_t nameStart = i;
  while (i < text.size() && text[i] != '=' && text[i] != ';') ++i;
  name = lex::trimRight(text.substr(nameStart, i - nameStart));
  value = {};
  if (i < text.size() && text[i] == '=') {
    ++i;
    while (i < text.size() && lex::isLws(text[i])) ++i;
    const std::size_t valueStart = i;
    if (i < text.size() && text[i] == '"') {
      std::size_t close = lex::skipQuoted(text, i);
      i = (close == std::string_view::npos) ? text.size() : close + 1;
      value = text.substr(valueStart, i - valueStart);
    }
    while (i < text.size() && text[i] != ';') ++i;
    if (value.empty()) value = lex::trimRight(text.substr(valueStart, i - valueStart));
  }
  return text.substr(i);
}

std::optional<std::string_view> Parameters::get(std::string_view name) const {
  std::string_view rest = text_;
  while (!rest.empty()) {
    if (rest.front() == ';') rest.remove_prefix(1);
    std::string_view n, v;
    rest = nextParameter(rest, n, v);
    if (!n.empty() && lex::iequals(n, name)) return v;
  }
  return std::nullopt;
}

}  // namespace rtcgate::sip

namespace rtcgate::sip {
namespace {

// gen-value chars beyond token: host adds ':' '[' ']' (IPv6 references, RFC 5118 4.5).
bool isGenValueChar(char c) { return lex::isTokenChar(c) || c == ':' || c == '[' || c == ']'; }

}  // namespace

bool validHeaderParameters(std::string_view text) {
  std::size_t i = 0;
  auto skipLws = [&] {
    while (i < text.size() && lex::isLws(text[i])) ++i;
  };
  skipLws();
  while (i < text.size()) {
    if (text[i] != ';') return false;
    ++i;
    skipLws();
    const std::size_t nameStart = i;
    while (i < text.size() && lex::isTokenChar(text[i])) ++i;
    if (i == nameStart) return false;
    skipLws();
    if (i < text.size() && text[i] == '=') {
      ++i;
      skipLws();
      if (i < text.size() && text[i] == '"') {
        std::size_t close = lex::skipQuoted(text, i);
        if (close == std::string_view::npos) return false;
        i = close + 1;
      } else {
        const std::size_t valueStart = i;
        while (i < text.size() && isGenValueChar(text[i])) ++i;
        if (i == valueStart) return false;
      }
      skipLws();
    }
  }
  return true;
}

}  // namespace rtcgate::sip
