#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "media/codec/AudioCodec.hpp"
#include "media/codec/JitterBuffer.hpp"
#include "media/codec/Resampler.hpp"
#include "media/codec/RtpFrame.hpp"

namespace rtcgate::media {

// One direction of a transcoded call: RTP in with codec A, RTP out with codec B at the out side's
// packet time, under our own SSRC, sequence numbers and timestamps (B's clock rate).
//
// In: packets go through a JitterBuffer (reordering; a lost frame is concealed by A, from Opus
// in-band FEC when the next packet has it), are decoded, resampled to B's PCM rate and collected
// until a packet's worth is there, which B encodes. Silence the sender left out (DTX, a gap in
// the timestamps with contiguous sequence numbers) moves our timestamps on by as much; the first
// packet after such a gap, a resync or an event carries the marker bit (new talk spurt).
//
// Telephone events (RFC 4733) are carried across when both sides have a telephone-event payload
// type: payload type mapped, timestamp put on our timeline, durations rescaled between the clock
// rates (Opus's 48000, G.711's 8000). While an event runs, this direction emits no audio; it ends
// with its end bit (or, should every end packet be lost, when audio arrives well past its last
// duration).
//
// process() writes into the caller's buffers and allocates nothing: the relay can call it from
// its packet thread.
class Transcoder {
 public:
  struct Side {
    std::string codec;  // rtpmap encoding name
    std::uint32_t clockRate = 8000;
    std::string fmtp;
    std::uint8_t payloadType = 0;
    std::optional<std::uint8_t> eventPayloadType;  // telephone-event, at the codec's clock rate
  };
  struct Options {
    Side in;
    Side out;
    unsigned outPtimeMs = 20;  // 10, 20, 30, 40 or 60 (Opus: not 30)
    std::uint32_t outSsrc = 0;
    std::uint16_t firstSequence = 0;
    std::uint32_t firstTimestamp = 0;
    std::size_t reorderDepth = 3;
  };
  // The largest payload process() writes for one packet: room the caller leaves per output.
  static constexpr std::size_t kMaxPayload = 1500;

  // Throws std::invalid_argument for a codec, rate or packet time it cannot handle.
  explicit Transcoder(const Options& options);

  // Feeds one incoming packet; writes the packets it releases to `out` (their payloads into
  // `storage`, at most kMaxPayload bytes each) and returns how many. An input can release
  // several (a reordered run, concealed gaps, a long frame cut in two); what does not fit in
  // `out` or `storage` is dropped and counted.
  std::size_t process(const RtpFrame& in, std::span<std::uint8_t> storage, std::span<RtpFrame> out);

  std::uint32_t ssrc() const { return outSsrc_; }
  const AudioCodec& decoder() const { return *inCodec_; }
  const AudioCodec& encoder() const { return *outCodec_; }
  std::uint64_t concealedFrames() const { return concealed_; }
  std::uint64_t droppedOutputs() const { return dropped_; }

 private:
  struct Output;

  void handleFrame(const JitterBuffer::Frame& frame, Output& output);
  void handleAudio(const JitterBuffer::Frame& frame, Output& output);
  void handleMissing(Output& output);
  void handleEvent(const JitterBuffer::Frame& frame, Output& output);
  void followTimeline(const JitterBuffer::Frame& frame);
  void enqueue(std::span<const std::int16_t> pcm, Output& output);
  void skipPending();
  bool emit(std::uint8_t payloadType, std::uint32_t timestamp, bool marker,
            std::span<const std::uint8_t> payload, Output& output);
  std::uint32_t toOutTicks(std::int64_t inTicks) const;

  Options options_;
  std::unique_ptr<AudioCodec> inCodec_;
  std::unique_ptr<AudioCodec> outCodec_;
  JitterBuffer jitter_;
  Resampler resampler_;
  std::size_t outFrameSamples_;
  std::vector<std::int16_t> decoded_;
  std::vector<std::int16_t> pending_;  // PCM at B's rate waiting for a whole packet
  std::size_t pendingCount_ = 0;
  std::vector<std::uint8_t> encoded_;

  std::uint32_t outSsrc_;
  std::uint16_t outSequence_;
  std::uint32_t outTimestamp_;  // of the first pending sample
  bool markNext_ = true;
  std::optional<std::uint32_t> inSsrc_;
  std::optional<std::uint32_t> expectedInTimestamp_;
  std::size_t lastFrameSamples_;

  bool eventActive_ = false;
  bool eventSeen_ = false;
  bool afterEvent_ = false;  // the last frame was an event packet
  std::uint32_t eventInTimestamp_ = 0;
  std::uint32_t eventOutTimestamp_ = 0;
  std::uint16_t eventDuration_ = 0;  // in ticks of A's clock

  std::uint64_t concealed_ = 0;
  std::uint64_t dropped_ = 0;
};

}  // namespace rtcgate::media
