#pragma once

#include <memory>
#include <string>
#include <vector>

#include "media/recording/RecordingTap.hpp"

namespace rtcgate::media {

class CallRecording;
struct Monologue;

// A call's recording as the relay engine sees it: the file, the pair of parties recorded, and the
// taps on their streams. The CallRecording itself belongs to the RecordingWriter's thread; the
// engine only names it in the stop message.
struct RecordingSession {
  CallRecording* recording = nullptr;
  std::string path;
  const Monologue* caller = nullptr;  // the from-tag party: channel 0
  const Monologue* callee = nullptr;  // its partner: channel 1
  std::vector<std::unique_ptr<RecordingTap>> taps;

  std::uint64_t dropped() const {
    std::uint64_t total = 0;
    for (const auto& tap : taps) total += tap->dropped();
    return total;
  }
};

}  // namespace rtcgate::media
