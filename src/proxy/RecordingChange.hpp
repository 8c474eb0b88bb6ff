#pragma once

#include <cstdint>
#include <string>

namespace rtcgate::proxy {

// A call's recording started or stopped (by the API, a route's `record: true`, or the call's
// end): what call.recording events report.
struct RecordingChange {
  bool started = true;
  std::string file;          // where the relay writes it (its JSON sidecar is file + ".json")
  std::string reason;        // stopped: "api", "call-ended"
  std::int64_t dropped = 0;  // stopped: packets the relay could not write in time
};

}  // namespace rtcgate::proxy
