#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace rtcgate::sip {

// Session-Expires (RFC 4028 4): delta-seconds [;refresher=uac|uas] [;other params].
struct SessionExpires {
  enum class Refresher { Unspecified, Uac, Uas };
  std::uint32_t seconds = 0;
  Refresher refresher = Refresher::Unspecified;

  // nullopt when the value is not delta-seconds; unknown parameters and refresher values are
  // ignored (RFC 4028 4 leaves room for extensions).
  static std::optional<SessionExpires> parse(std::string_view value);
};

// Whether a Supported or Require value ("timer, 100rel") lists this option tag (case-insensitive).
bool listsOptionTag(std::string_view value, std::string_view tag);

}  // namespace rtcgate::sip
