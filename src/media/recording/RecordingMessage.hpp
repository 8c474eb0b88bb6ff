#pragma once

#include <array>
#include <cstdint>

namespace rtcgate::media {

class CallRecording;

// One slot of the RecordingQueue: an RTP packet of a recorded party, or the start or stop of a
// recording. Start and stop travel in the same queue as the packets so that the writer thread sees
// them in the order the worker sent them: every packet of a recording between its start and stop.
struct RecordingMessage {
  enum class Kind : std::uint8_t { Packet, Start, Stop };
  // An RTP packet of up to this many bytes is recorded (an MTU; audio packets are far smaller).
  static constexpr std::size_t kMaxPacket = 1500;

  Kind kind = Kind::Packet;
  std::uint8_t channel = 0;  // Packet: 0 = the from-tag party's audio, 1 = the other party's
  std::uint16_t length = 0;  // of `data`: the packet, or Stop's to-tag
  std::int64_t micros = 0;   // Packet: arrival; Start/Stop: when asked (worker loop's clock)
  // Start: ownership passes to the writer; Packet/Stop: a recording the writer owns.
  CallRecording* recording = nullptr;
  std::uint64_t dropped = 0;  // Stop: packets the taps could not queue
  std::array<std::uint8_t, kMaxPacket> data;
};

}  // namespace rtcgate::media
