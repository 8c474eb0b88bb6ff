#pragma once

#include <string>
#include <string_view>

namespace rtcgate::http {

// Appends `text` as a quoted JSON string. Quotes, backslashes and control characters are escaped;
// valid UTF-8 passes through; a byte that is not part of a valid UTF-8 sequence is written as
// \u00XX (its Latin-1 reading), so the result is valid JSON whatever `text` holds.
void appendJsonString(std::string& out, std::string_view text);

// Appends a JSON number; NaN and infinities are not representable in JSON and become null.
void appendJsonNumber(std::string& out, double value);

// `{"error": "<message>"}`, the body of every error reply of the admin API.
std::string jsonError(std::string_view message);

}  // namespace rtcgate::http
