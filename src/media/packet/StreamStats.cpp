#include "media/packet/StreamStats.hpp"

namespace rtcgate::media {

void StreamStats::resetSequence(const RtpHeader& header) {
  sequenceInitialised_ = true;
  ssrc_ = header.ssrc;
  baseSequence_ = header.sequence;
  maxSequence_ = header.sequence;
  cycles_ = 0;
  rtpReceived_ = 0;
  jitter_ = 0;
}

void StreamStats::countRtp(const RtpHeader& header, std::uint32_t arrival) {
  const std::int64_t transit = static_cast<std::int64_t>(arrival) - header.timestamp;
  if (!sequenceInitialised_ || header.ssrc != ssrc_) {
    resetSequence(header);
  } else {
    const auto delta = static_cast<std::int16_t>(header.sequence - maxSequence_);
    if (delta > 0) {
      if (header.sequence < maxSequence_) cycles_ += 65536;
      maxSequence_ = header.sequence;
    }
    noteStep(delta, header.timestamp);
    std::int64_t d = static_cast<std::int32_t>(transit - lastTransit_);
    if (d < 0) d = -d;
    jitter_ += d - ((jitter_ + 8) >> 4);
  }
  lastTransit_ = transit;
  lastTimestamp_ = header.timestamp;
  lastPayloadType_ = header.payloadType;
  ++rtpReceived_;
}

// Only a packet right after its predecessor tells the packetisation time; a step of 0 is an
// RFC 4733 event's packet, a long one a talk spurt after silence.
void StreamStats::noteStep(std::int16_t sequenceDelta, std::uint32_t timestamp) {
  const std::uint32_t step = timestamp - lastTimestamp_;
  if (sequenceDelta == 1 && step > 0 && step <= kLongestStep) timestampStep_ = step;
}

std::int64_t StreamStats::lost() const {
  if (!sequenceInitialised_) return 0;
  const std::int64_t expected =
      static_cast<std::int64_t>(cycles_) + maxSequence_ - baseSequence_ + 1;
  const std::int64_t lost = expected - static_cast<std::int64_t>(rtpReceived_);
  return lost < 0 ? 0 : lost;
}

}  // namespace rtcgate::media
