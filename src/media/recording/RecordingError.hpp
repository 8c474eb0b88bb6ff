#pragma once

#include <string>

namespace rtcgate::media {

// Why a recording could not start, as the ng reply's error-reason says it: unlike the packet
// path's static-reason Error, it names the file and the system's reason (control path only).
struct RecordingError {
  std::string reason;
};

}  // namespace rtcgate::media
