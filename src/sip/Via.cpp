#include "sip/Via.hpp"

#include "sip/Lex.hpp"

namespace rtcgate::sip {
namespace {

// A small cursor over a Via value: tokens separated by optional LWS.
struct Cursor {
  std::string_view s;
  std::size_t i = 0;

  void skipLws() {
    while (i < s.size() && lex::isLws(s[i])) ++i;
  }
  std::string_view token() {
    std::size_t start = i;
    while (i < s.size() && lex::isTokenChar(s[i])) ++i;
    return s.substr(start, i - start);
  }
  bool consume(char c) {
    skipLws();
    if (i < s.size() && s[i] == c) {
      ++i;
      skipLws();
      return true;
    }
    return false;
  }
};

bool isHostChar(char c) { return lex::isAlnum(c) || c == '-' || c == '.' || c == '_'; }

}  // namespace

bool Via::rfc3261Branch() const { return branch().starts_with("z9hG4bK"); }

// via-parm = sent-protocol LWS sent-by *( SEMI via-params ), LWS allowed around '/' and ':'.
Result<Via> parseVia(std::string_view text) {
  Cursor c{lex::trim(text)};
  Via via;
  const std::size_t protocolStart = c.i;
  if (c.token().empty() || !c.consume('/') || c.token().empty() || !c.consume('/')) {
    return Error{"Bad Via protocol"};
  }
  via.transport = c.token();
  if (via.transport.empty()) return Error{"Bad Via transport"};
  via.protocol = c.s.substr(protocolStart, c.i - protocolStart);
  const std::size_t beforeLws = c.i;
  c.skipLws();
  if (c.i == beforeLws) return Error{"Bad Via sent-by"};
  const std::size_t hostStart = c.i;
  if (c.i < c.s.size() && c.s[c.i] == '[') {
    std::size_t close = c.s.find(']', c.i);
    if (close == std::string_view::npos) return Error{"Bad Via host"};
    c.i = close + 1;
    for (char ch : c.s.substr(hostStart + 1, close - hostStart - 1)) {
      if (!lex::isHex(ch) && ch != ':' && ch != '.') return Error{"Bad Via host"};
    }
  } else {
    while (c.i < c.s.size() && isHostChar(c.s[c.i])) ++c.i;
  }
  via.host = c.s.substr(hostStart, c.i - hostStart);
  if (via.host.empty()) return Error{"Bad Via host"};
  if (c.consume(':')) {
    std::size_t portStart = c.i;
    while (c.i < c.s.size() && lex::isDigit(c.s[c.i])) ++c.i;
    if (!lex::parseUnsigned<std::uint16_t>(c.s.substr(portStart, c.i - portStart), 65535,
                                           via.port)) {
      return Error{"Bad Via port"};
    }
  }
  c.skipLws();
  std::string_view params = c.s.substr(c.i);
  if (!validHeaderParameters(params)) return Error{"Bad Via parameters"};
  via.params = Parameters(params);
  return via;
}

}  // namespace rtcgate::sip
