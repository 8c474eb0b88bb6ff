#pragma once

#include <cstdint>

#include "media/packet/RtpTap.hpp"
#include "media/packet/SharedCounter.hpp"
#include "media/recording/RecordingQueue.hpp"

namespace rtcgate::media {

// What a recorded stream's packet path calls (MediaStream::rtpTap): copies the packet into a free
// slot of the writer's queue, or, when there is none, drops it from the recording only and counts
// it (here, and in the relay-wide `recordingdropped`). The forwarded packet is never held back.
class RecordingTap final : public RtpTap {
 public:
  RecordingTap(RecordingQueue& queue, CallRecording& recording, std::uint8_t channel,
               SharedCounter& relayDropped)
      : queue_(queue), recording_(recording), channel_(channel), relayDropped_(relayDropped) {}

  void onRtp(const std::uint8_t* data, std::size_t length, std::int64_t micros) override;
  std::uint64_t dropped() const { return dropped_; }

 private:
  RecordingQueue& queue_;
  CallRecording& recording_;
  std::uint8_t channel_;
  SharedCounter& relayDropped_;
  std::uint64_t dropped_ = 0;  // the worker's thread only
};

}  // namespace rtcgate::media
