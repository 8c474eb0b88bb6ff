#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/Timers.hpp"
#include "media/relay/Monologue.hpp"
#include "media/relay/RecordingSession.hpp"

namespace rtcgate::media {

// A call (one SIP Call-ID) with its parties, in dialogue pairs: parties[2k] offered to
// parties[2k+1], one pair per forked branch.
struct Call {
  std::string callId;
  Clock::time_point created{};
  Clock::time_point lastSignal{};
  std::vector<std::unique_ptr<Monologue>> parties;
  // ng `start recording` until `stop recording` or the call's end; null when not recorded.
  std::unique_ptr<RecordingSession> recording;

  // Newest packet from any party, or the last signalling if later: what media timeout is based on.
  Clock::time_point lastActivity() const {
    Clock::time_point last = lastSignal;
    for (const auto& party : parties) {
      for (const CallMedia& media : party->medias) {
        for (const MediaStream* stream : {media.rtp.get(), media.rtcp.get()}) {
          if (stream != nullptr && stream->stats().lastPacket() > last) {
            last = stream->stats().lastPacket();
          }
        }
      }
    }
    return last;
  }
};

}  // namespace rtcgate::media
