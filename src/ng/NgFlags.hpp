#pragma once

#include <string_view>

#include "ng/Value.hpp"

namespace rtcgate::ng {

// Puts an rtpengine flag string ("ICE=force UDP/TLS/RTP/SAVPF rtcp-mux-offer replace-origin
// SDES-off generate-mid") into an ng request the way the Kamailio/OpenSIPS rtpengine modules
// encode it: dedicated keys where rtpengine has one ("ICE", "transport-protocol", "rtcp-mux",
// "replace", "SDES", "DTLS", "direction", "codec") and "flags" for the rest. Encoded this way the
// request means the same to rtcgate's relay and to a real RTPEngine.
void applyNgFlags(ng::Value& request, std::string_view flags);

}  // namespace rtcgate::ng
