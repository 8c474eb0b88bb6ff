#pragma once

#include <cstdint>

#include "base/Timers.hpp"
#include "media/packet/RtpPacket.hpp"

namespace rtcgate::media {

// Counters for what one side sent into one local port: packets, bytes, errors, the last SSRC with
// its sequence-gap loss (RFC 3550 A.3) and interarrival jitter (RFC 3550 A.8). Updated on the
// packet path: fixed size, no allocation.
class StreamStats {
 public:
  void countPacket(std::size_t bytes, Clock::time_point now) {
    ++packets_;
    bytes_ += bytes;
    lastPacket_ = now;
  }
  void countError() { ++errors_; }
  // `arrival` is the arrival time in RTP timestamp units of the stream's clock rate.
  void countRtp(const RtpHeader& header, std::uint32_t arrival);

  std::uint64_t packets() const { return packets_; }
  std::uint64_t bytes() const { return bytes_; }
  std::uint64_t errors() const { return errors_; }
  Clock::time_point lastPacket() const { return lastPacket_; }
  bool hasSsrc() const { return sequenceInitialised_; }
  std::uint32_t ssrc() const { return ssrc_; }
  std::uint16_t lastSequence() const { return static_cast<std::uint16_t>(maxSequence_); }
  std::uint32_t lastTimestamp() const { return lastTimestamp_; }
  std::uint64_t rtpPackets() const { return rtpReceived_; }
  std::int64_t lost() const;
  std::uint32_t jitter() const { return static_cast<std::uint32_t>(jitter_ / 16); }
  // The payload type of the newest RTP packet (which codec the sender uses now), and the
  // timestamp step between the newest two consecutive packets (its packetisation time in clock
  // units); 0 until seen.
  std::uint8_t lastPayloadType() const { return lastPayloadType_; }
  std::uint32_t timestampStep() const { return timestampStep_; }

 private:
  // 120 ms at 48 kHz: the longest packetisation time worth reporting.
  static constexpr std::uint32_t kLongestStep = 5760;

  void resetSequence(const RtpHeader& header);
  void noteStep(std::int16_t sequenceDelta, std::uint32_t timestamp);

  std::uint64_t packets_ = 0;
  std::uint64_t bytes_ = 0;
  std::uint64_t errors_ = 0;
  Clock::time_point lastPacket_{};
  bool sequenceInitialised_ = false;
  std::uint32_t ssrc_ = 0;
  std::uint32_t baseSequence_ = 0;
  std::uint32_t maxSequence_ = 0;
  std::uint32_t cycles_ = 0;
  std::uint64_t rtpReceived_ = 0;
  std::uint32_t lastTimestamp_ = 0;
  std::int64_t lastTransit_ = 0;
  std::int64_t jitter_ = 0;  // scaled by 16, as in RFC 3550 A.8
  std::uint8_t lastPayloadType_ = 0;
  std::uint32_t timestampStep_ = 0;
};

}  // namespace rtcgate::media
