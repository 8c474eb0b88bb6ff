#pragma once

#include <optional>
#include <string_view>

namespace rtcgate::proxy {

// How digits reach one side of a call (`calls.dtmf`, `routes[].dtmf`): the form the side takes
// them in, whatever form the other side sends them in.
//   Auto     as its SDP says: RFC 4733 events when it negotiated telephone-event, else SIP INFO.
//   Rfc4733  events only: the other side's INFO digits become events when this side negotiated
//            telephone-event; we never send it INFO (an INFO it cannot take passes untouched).
//   Info     SIP INFO only: the other side's INFO passes untouched, and its RFC 4733 events also
//            reach this side as INFO when this side did not negotiate telephone-event.
enum class DtmfMode { Auto, Rfc4733, Info };

constexpr std::string_view dtmfModeName(DtmfMode mode) {
  switch (mode) {
    case DtmfMode::Auto:
      return "auto";
    case DtmfMode::Rfc4733:
      return "rfc4733";
    case DtmfMode::Info:
      return "info";
  }
  return "auto";
}

constexpr std::optional<DtmfMode> parseDtmfMode(std::string_view text) {
  for (const DtmfMode mode : {DtmfMode::Auto, DtmfMode::Rfc4733, DtmfMode::Info}) {
    if (text == dtmfModeName(mode)) return mode;
  }
  return std::nullopt;
}

}  // namespace rtcgate::proxy
