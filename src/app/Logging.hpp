#pragma once

#include <string>

namespace rtcgate::app {

// Logs go to stderr with levels; `format` "json" writes one JSON object per line for collectors.
void configureLogging(const std::string& level, const std::string& format);

}  // namespace rtcgate::app
