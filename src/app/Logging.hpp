#pragma once

#include <spdlog/formatter.h>

#include <memory>
#include <string>

namespace rtcgate::app {

// Logs go to stderr with levels, through one thread-safe logger (the relay's media workers log
// from their own threads); `format` "json" writes one JSON object per line for collectors
// (makeJsonLogFormatter), with `node` (node.id) in every line.
void configureLogging(const std::string& level, const std::string& format,
                      const std::string& node = {});

// One JSON object per line: time, level, node (when not empty), call_id (when the thread works
// for a call, see base/LogContext.hpp) and msg, every value escaped: whatever a message holds,
// the line stays one object with these keys.
std::unique_ptr<spdlog::formatter> makeJsonLogFormatter(std::string node);

}  // namespace rtcgate::app
