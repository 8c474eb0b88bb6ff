#include "base/LogContext.hpp"

namespace rtcgate {
namespace {

thread_local std::string currentCallId;

}  // namespace

std::string_view logCallId() { return currentCallId; }

LogCallScope::LogCallScope(std::string_view callId) {
  previous_.swap(currentCallId);
  currentCallId.assign(callId);
}

LogCallScope::~LogCallScope() { currentCallId.swap(previous_); }

}  // namespace rtcgate
