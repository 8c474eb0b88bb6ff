#include "sip/DeltaSeconds.hpp"

#include "sip/Lex.hpp"

namespace rtcgate::sip {

std::optional<std::uint32_t> parseDeltaSeconds(std::string_view text) {
  text = lex::trim(text);
  if (text.empty()) return std::nullopt;
  std::uint64_t value = 0;
  constexpr std::uint64_t kMax = 0xffffffffULL;
  for (char c : text) {
    if (!lex::isDigit(c)) return std::nullopt;
    // Saturate once past the limit; keep scanning so trailing junk is still refused.
    if (value <= kMax) value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return static_cast<std::uint32_t>(value > kMax ? kMax : value);
}

}  // namespace rtcgate::sip
