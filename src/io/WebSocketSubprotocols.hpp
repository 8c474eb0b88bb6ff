#pragma once

#include <string_view>
#include <vector>

namespace rtcgate::io {

// The entries of a Sec-WebSocket-Protocol header (RFC 6455 4.1: a comma-separated list of
// tokens), trimmed, empty ones skipped; views into `header`.
std::vector<std::string_view> webSocketSubprotocols(std::string_view header);

// Whether `header` offers `name` (compared case-insensitively).
bool offersWebSocketSubprotocol(std::string_view header, std::string_view name);

}  // namespace rtcgate::io
