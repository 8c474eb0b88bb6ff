#pragma once

#include <string>

#include "http/JsonValue.hpp"

namespace rtcgate::ctl {

// How `rtcgate ctl` shows each management API answer on a terminal (aligned tables, durations in
// h/m/s). Each takes the parsed JSON body of the endpoint named and returns the text to print;
// fields the server does not send print empty, so a newer or older gateway still formats.
std::string formatHealth(const http::JsonValue& health);                // GET /api/v1/health
std::string formatStats(const http::JsonValue& stats);                  // GET /api/v1/stats
std::string formatRegistrations(const http::JsonValue& registrations);  // GET /api/v1/registrations
std::string formatCalls(const http::JsonValue& calls);                  // GET /api/v1/calls
std::string formatCall(const http::JsonValue& call);                    // GET /api/v1/calls/{id}
std::string formatReload(const http::JsonValue& reload);                // POST /api/v1/reload
std::string formatBans(const http::JsonValue& bans);                    // GET /api/v1/bans

// 3725 -> "1h 02m 05s", 65 -> "1m 05s", 7 -> "7s"; non-numbers as sent.
std::string formatDuration(const http::JsonValue& seconds);

}  // namespace rtcgate::ctl
