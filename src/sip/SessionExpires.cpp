#include "sip/SessionExpires.hpp"

#include "sip/DeltaSeconds.hpp"
#include "sip/Lex.hpp"

namespace rtcgate::sip {

std::optional<SessionExpires> SessionExpires::parse(std::string_view value) {
  const auto semicolon = value.find(';');
  const auto seconds = parseDeltaSeconds(value.substr(0, semicolon));
  if (!seconds) return std::nullopt;
  SessionExpires out;
  out.seconds = *seconds;
  auto rest = semicolon == std::string_view::npos ? std::string_view() : value.substr(semicolon);
  while (!rest.empty()) {
    rest.remove_prefix(1);  // ';'
    const auto end = rest.find(';');
    const auto param = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
    const auto equals = param.find('=');
    if (equals == std::string_view::npos) continue;
    if (!lex::iequals(lex::trim(param.substr(0, equals)), "refresher")) continue;
    const auto who = lex::trim(param.substr(equals + 1));
    if (lex::iequals(who, "uac")) out.refresher = Refresher::Uac;
    if (lex::iequals(who, "uas")) out.refresher = Refresher::Uas;
  }
  return out;
}

bool listsOptionTag(std::string_view value, std::string_view tag) {
  while (!value.empty()) {
    const auto comma = value.find(',');
    if (lex::iequals(lex::trim(value.substr(0, comma)), tag)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace rtcgate::sip
