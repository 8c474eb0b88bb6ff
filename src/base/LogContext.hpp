#pragma once

#include <string>
#include <string_view>

namespace rtcgate {

// The Call-ID the current thread is working for, so that log lines carry it (log.format json's
// call_id) without every log site passing it: the proxy sets it while it handles one SIP message,
// a media worker while it runs one ng command. Thread-local; "" when no call is known.
std::string_view logCallId();

// Sets logCallId() for the scope's lifetime and restores the previous value after (scopes nest).
// The Call-ID is copied: the message it came from may be moved or freed while the scope lives.
class LogCallScope {
 public:
  explicit LogCallScope(std::string_view callId);
  ~LogCallScope();
  LogCallScope(const LogCallScope&) = delete;
  LogCallScope& operator=(const LogCallScope&) = delete;

 private:
  std::string previous_;
};

}  // namespace rtcgate
