#pragma once

#include <string>
#include <string_view>

#include "base/Result.hpp"
#include "base/Timers.hpp"
#include "media/recording/RecordingError.hpp"

namespace rtcgate::media {

// Where a recording asked for over ng goes. Everything stays inside the relay's recording
// directory (relay.record_dir), whatever the ng client sends: `dir` (rtpengine's recording-dir)
// is a folder inside it (relative, or absolute within it; no `..`), `file` (recording-file) a base
// name without `/` and not `.` or `..`. An empty `file` becomes "<call-id>-<UTC time><extension>"
// with the call-id's unsafe bytes replaced. The folders are created; the file is not.
struct RecordingPathRequest {
  std::string baseDir;
  std::string_view dir;
  std::string_view file;
  std::string_view callId;
  std::string_view extension;  // ".wav"
  WallClock::time_point now{};
};

Result<std::string, RecordingError> recordingPath(const RecordingPathRequest& request);

}  // namespace rtcgate::media
