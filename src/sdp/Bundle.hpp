#pragma once

#include <string_view>
#include <vector>

#include "sdp/SessionDescription.hpp"

namespace rtcgate::sdp {

// What an SDP says about BUNDLE (RFC 8843) and media identification (RFC 5888): read-only views
// into the parsed description, valid while it lives.

// The section's a=mid value; empty when it has none.
std::string_view midOf(const MediaSection& section);
// The mids of the first a=group:BUNDLE line, in its order; empty when there is none.
std::vector<std::string_view> bundleGroup(const SessionDescription& description);
// RFC 8843 §6: a bundle-only section has port 0 and is still in use, on the bundle's transport.
bool bundleOnly(const MediaSection& section);
// The section (or the session) carries ICE attributes: credentials or candidates.
bool hasIce(const SessionDescription& description, std::size_t index);

}  // namespace rtcgate::sdp
