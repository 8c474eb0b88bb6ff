#pragma once

#include <string>

namespace rtcgate::app {

// Logs go to stderr with levels, through one thread-safe logger (the relay's media workers log
// from their own threads); `format` "json" writes one JSON object per line for collectors.
void configureLogging(const std::string& level, const std::string& format);

}  // namespace rtcgate::app
