#pragma once

#include <string>
#include <string_view>

#include "base/Result.hpp"

namespace rtcgate::sip {

// Builds the wire text of a stateless error response (400, 505, 501, ...) to a request that
// SipMessage::parse() refused. It needs only the raw bytes: the header section is scanned field by
// field (folding honoured, no further validation) and Via (all of them, as written), From, To
// (a tag is added when toTag is given and To has none), Call-ID and CSeq are copied verbatim, then
// "Content-Length: 0". The top Via's protocol and sent-by must parse so the answer can be
// routed (its parameters may be broken); all five headers must be present. Fails (and the request
// is dropped) for responses, missing essentials, or bytes that are not a SIP start line at all. The
// caller sends the result back to where the request came from (source address and flow; RFC 3581
// behaviour).
Result<std::string> makeErrorResponse(std::string_view raw, int status, std::string_view reason,
                                      std::string_view toTag = {});

}  // namespace rtcgate::sip
