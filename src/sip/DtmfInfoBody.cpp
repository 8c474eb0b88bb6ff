#include "sip/DtmfInfoBody.hpp"

#include <charconv>

#include "sip/Lex.hpp"

namespace rtcgate::sip {
namespace {

constexpr std::string_view kDigits = "0123456789*#ABCD";
// Longer than any DTMF tone anyone sends on purpose: a bigger value is a typo or an attack on a
// converter that would hold the tone that long.
constexpr std::uint32_t kMaxDurationMs = 60000;

// '5', '*', 'a', or an event number "0".."15"; nullopt otherwise.
std::optional<char> digitOf(std::string_view value) {
  value = lex::trim(value);
  if (value.size() == 1) {
    const char c = value[0] >= 'a' && value[0] <= 'd' ? static_cast<char>(value[0] - 32) : value[0];
    if (kDigits.find(c) != std::string_view::npos) return c;
    return std::nullopt;
  }
  unsigned event = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), event);
  if (ec != std::errc() || end != value.data() + value.size() || event >= kDigits.size()) {
    return std::nullopt;
  }
  return kDigits[event];
}

std::optional<std::uint32_t> millisecondsOf(std::string_view value) {
  value = lex::trim(value);
  std::uint32_t ms = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
  if (ec != std::errc() || end != value.data() + value.size() || ms > kMaxDurationMs) {
    return std::nullopt;
  }
  return ms;
}

std::optional<DtmfInfoBody> parseRelay(std::string_view body) {
  DtmfInfoBody parsed;
  bool haveSignal = false;
  while (!body.empty()) {
    const std::size_t eol = body.find('\n');
    const std::string_view line = body.substr(0, eol);
    body = eol == std::string_view::npos ? std::string_view{} : body.substr(eol + 1);
    const std::size_t equals = line.find('=');
    if (equals == std::string_view::npos) continue;
    const std::string_view key = lex::trim(line.substr(0, equals));
    const std::string_view value = line.substr(equals + 1);
    if (lex::iequals(key, "Signal")) {
      const auto digit = digitOf(value);
      if (!digit) return std::nullopt;
      parsed.digit = *digit;
      haveSignal = true;
    } else if (lex::iequals(key, "Duration")) {
      parsed.durationMs = millisecondsOf(value);  // a bad duration is as good as none
    }
  }
  if (!haveSignal) return std::nullopt;
  return parsed;
}

}  // namespace

std::optional<DtmfInfoBody::Format> DtmfInfoBody::formatOf(std::string_view contentType) {
  const std::string_view type = lex::trim(contentType.substr(0, contentType.find(';')));
  if (lex::iequals(type, "application/dtmf-relay")) return Format::DtmfRelay;
  if (lex::iequals(type, "application/dtmf")) return Format::Dtmf;
  return std::nullopt;
}

std::optional<DtmfInfoBody> DtmfInfoBody::parse(std::string_view contentType,
                                                std::string_view body) {
  const auto format = formatOf(contentType);
  if (!format) return std::nullopt;
  if (*format == Format::DtmfRelay) return parseRelay(body);
  const auto digit = digitOf(body);
  if (!digit) return std::nullopt;
  DtmfInfoBody parsed;
  parsed.digit = *digit;
  return parsed;
}

std::string DtmfInfoBody::write(Format format) const {
  if (format == Format::Dtmf) return std::string(1, digit);
  std::string body = "Signal=";
  body += digit;
  body += "\r\n";
  if (durationMs) body += "Duration=" + std::to_string(*durationMs) + "\r\n";
  return body;
}

std::string_view DtmfInfoBody::contentType(Format format) {
  return format == Format::DtmfRelay ? "application/dtmf-relay" : "application/dtmf";
}

}  // namespace rtcgate::sip
