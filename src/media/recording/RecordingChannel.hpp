#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "media/codec/AudioCodec.hpp"
#include "media/codec/Resampler.hpp"
#include "sdp/AudioFormats.hpp"

namespace rtcgate::media {

// One direction of a recorded call on the writer thread: decodes the RTP one party sends (the
// codec its SDP maps the payload type to; telephone-event, comfort noise and unknown types are
// skipped), resamples it to the recording's rate and places the samples by RTP timestamp, so
// that lost or absent packets become silence and the channel keeps to the call's wall clock. A
// new SSRC (or a timestamp jump) is placed by its arrival time instead.
class RecordingChannel {
 public:
  // Samples held ahead of the written position at most: packets placed later than this are dropped.
  static constexpr std::uint32_t kMaxAheadSeconds = 10;

  RecordingChannel(const std::vector<sdp::AudioFormat>& formats, std::uint32_t rate);
  ~RecordingChannel();
  RecordingChannel(const RecordingChannel&) = delete;
  RecordingChannel& operator=(const RecordingChannel&) = delete;

  // `sinceStartMicros`: the packet's arrival after the recording started.
  void onPacket(std::span<const std::uint8_t> rtp, std::int64_t sinceStartMicros);
  // Moves the next out.size() samples into `out` (silence where nothing was placed).
  void take(std::span<std::int16_t> out);
  // One past the last sample placed (absolute, from the recording's start).
  std::uint64_t end() const { return position_ + pending_.size(); }
  // The codecs seen, "PCMU/8000" each, for the recording's sidecar.
  const std::vector<std::string>& codecsUsed() const { return codecsUsed_; }

 private:
  struct Decoder {
    sdp::AudioFormat format;
    std::unique_ptr<AudioCodec> codec;
    std::unique_ptr<Resampler> resampler;  // null when the codec decodes at the recording's rate
    bool used = false;
  };
  static constexpr std::uint8_t kNoDecoder = 0xff;

  // Where a packet's first sample goes; negative when before the recording's start.
  std::int64_t placeOf(const Decoder& decoder, std::uint32_t ssrc, std::uint32_t timestamp,
                       std::int64_t sinceStartMicros);
  void place(std::int64_t at, std::span<const std::int16_t> samples);

  std::uint32_t rate_;
  std::vector<Decoder> decoders_;
  std::array<std::uint8_t, 128> decoderOf_;  // payload type -> decoders_ index or kNoDecoder
  std::vector<std::string> codecsUsed_;
  // Timeline: RTP timestamp `anchorTimestamp_` of SSRC `ssrc_` is sample `anchorSample_`.
  bool anchored_ = false;
  std::uint32_t ssrc_ = 0;
  std::uint32_t anchorTimestamp_ = 0;
  std::int64_t anchorSample_ = 0;
  std::uint64_t position_ = 0;         // the first sample not yet taken
  std::vector<std::int16_t> pending_;  // samples from position_ on
  std::vector<std::int16_t> decoded_;  // scratch, allocated once
  std::vector<std::int16_t> resampled_;
};

}  // namespace rtcgate::media
