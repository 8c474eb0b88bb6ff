#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "ng/Value.hpp"

namespace rtcgate::mediacontrol {

// Why a media relay gave no usable answer. The kind is what callers act on (which SIP status, a
// relay marked down or not); the reason is only for logs and events.
struct RelayError {
  enum class Kind {
    Refused,      // the relay answered "error" (no common codec, bad SDP, unknown call): 488
    Unreachable,  // no relay to ask, the request could not be sent, or its reply was garbage: 503
    Timeout,      // asked, and no reply came after every try: 503
  };

  Kind kind = Kind::Unreachable;
  std::string reason;

  static RelayError refused(std::string reason) { return {Kind::Refused, std::move(reason)}; }
  static RelayError unreachable(std::string reason) {
    return {Kind::Unreachable, std::move(reason)};
  }
  static RelayError timeout(std::string reason) { return {Kind::Timeout, std::move(reason)}; }

  // The refusal in a reply dictionary, if it is one: the one place that reads an ng reply's
  // verdict for the callers of MediaControl. A reply that says "error" is refused with the
  // relay's "error-reason". With `needed` (an offer's or answer's "sdp"), so is any reply that is
  // not "ok" with that value: there is nothing to go on with.
  static std::optional<RelayError> refusalIn(const ng::Value& reply, std::string_view needed = {}) {
    const std::string_view result = reply.stringAt("result");
    if (result == "error") return refused(std::string(reply.stringAt("error-reason")));
    if (needed.empty() || (result == "ok" && !reply.stringAt(needed).empty())) return std::nullopt;
    return refused("no " + std::string(needed) + " in the relay's reply");
  }
};

// For logs: "refused", "unreachable", "timeout".
constexpr const char* kindName(RelayError::Kind kind) {
  switch (kind) {
    case RelayError::Kind::Refused:
      return "refused";
    case RelayError::Kind::Unreachable:
      return "unreachable";
    case RelayError::Kind::Timeout:
      return "timeout";
  }
  return "unreachable";
}

}  // namespace rtcgate::mediacontrol
