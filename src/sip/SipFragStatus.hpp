#pragma once

#include <optional>
#include <string_view>

namespace rtcgate::sip {

// The status a message/sipfrag body reports (RFC 3420), as the NOTIFYs of a REFER subscription
// carry it (RFC 3515 2.4.5): "SIP/2.0 180 Ringing", possibly followed by header lines. Only the
// status line matters to us; nullopt when the body does not start with one (a status 100-699).
std::optional<int> sipFragStatus(std::string_view body);

}  // namespace rtcgate::sip
