#pragma once

#include <string>
#include <string_view>

#include "base/Result.hpp"

namespace rtcgate::sdp {

// An offer of ours made from a side's last SDP, for a hold or resume we start (RFC 3264 8.4): the
// same description with every media section's direction set to `direction` ("inactive",
// "sendrecv", ...) and its o= version raised by `versionStep`, since a changed description must
// carry a higher version than the one the receiver saw last (RFC 3264 8). An error for text that
// is no SDP.
Result<std::string> withDirection(std::string_view sdp, std::string_view direction,
                                  unsigned versionStep);

}  // namespace rtcgate::sdp
