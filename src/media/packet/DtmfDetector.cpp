#include "media/packet/DtmfDetector.hpp"

namespace rtcgate::media {

DtmfDetector::Detected DtmfDetector::onEvent(std::uint32_t timestamp, const TelephoneEvent& event,
                                             std::uint32_t clockRate, Clock::time_point now) {
  Detected detected;
  if (!event.isDtmf()) return detected;
  if (seen_ && timestamp == timestamp_) {
    if (!active_) return detected;  // a repeated end packet, or one late after the end
    lastPacket_ = now;
    if (event.duration > duration_) duration_ = event.duration;
    volume_ = event.volume;
    if (event.end) detected.digits[detected.count++] = finish();
    return detected;
  }
  // A new event: the previous one, still running, lost its end packets.
  if (active_) detected.digits[detected.count++] = finish();
  start(timestamp, event, clockRate);
  lastPacket_ = now;
  if (event.end) detected.digits[detected.count++] = finish();
  return detected;
}

std::optional<DtmfDetector::Digit> DtmfDetector::onAudio() {
  if (!active_) return std::nullopt;
  return finish();
}

std::optional<DtmfDetector::Digit> DtmfDetector::expire(Clock::time_point now) {
  if (!active_ || now - lastPacket_ < kEndTimeout) return std::nullopt;
  return finish();
}

void DtmfDetector::start(std::uint32_t timestamp, const TelephoneEvent& event,
                         std::uint32_t clockRate) {
  active_ = true;
  seen_ = true;
  timestamp_ = timestamp;
  event_ = event.event;
  volume_ = event.volume;
  duration_ = event.duration;
  clockRate_ = clockRate == 0 ? 8000 : clockRate;
}

DtmfDetector::Digit DtmfDetector::finish() {
  active_ = false;  // seen_ stays: later packets of this event are repeats
  return {dtmfDigitOf(event_),
          static_cast<std::uint32_t>(std::uint64_t{duration_} * 1000 / clockRate_), volume_};
}

}  // namespace rtcgate::media
