#pragma once

#include <string>
#include <string_view>

namespace rtcgate::admin {

// Appends `text` as a quoted JSON string. Control characters and non-ASCII-safe bytes below 0x20
// are escaped; other bytes pass through, so UTF-8 stays UTF-8.
void appendJsonString(std::string& out, std::string_view text);

// Appends a JSON number; NaN and infinities are not representable in JSON and become null.
void appendJsonNumber(std::string& out, double value);

// `{"error": "<message>"}`, the body of every error reply of the admin API.
std::string jsonError(std::string_view message);

}  // namespace rtcgate::admin
