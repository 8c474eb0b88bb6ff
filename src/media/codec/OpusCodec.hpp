#pragma once

#include <cstdint>
#include <string_view>

#include "media/codec/AudioCodec.hpp"

struct OpusEncoder;
struct OpusDecoder;

namespace rtcgate::media {

// Opus (RFC 6716, RTP: RFC 7587) through libopus: mono, VoIP application. The RTP clock is always
// 48000 whatever the audio bandwidth; the PCM rate is the one the other side of the transcoder
// works at (8, 16 or 48 kHz), libopus resamples internally. Concealment is libopus's own
// (opus_decode with no packet); recover() decodes a lost frame from the in-band FEC the next
// packet may carry.
class OpusCodec final : public AudioCodec {
 public:
  struct Options {
    std::uint32_t pcmRate = 48000;  // 8000, 12000, 16000, 24000 or 48000
    bool inbandFec = false;         // encode FEC (the receiver asked, useinbandfec=1)
    std::uint32_t bitrate = 0;      // 0: libopus's default for the rate
  };
  // Reads the fmtp parameters that concern a mono encoder (useinbandfec, maxaveragebitrate).
  static Options optionsFromFmtp(std::uint32_t pcmRate, std::string_view fmtp);

  explicit OpusCodec(const Options& options);
  ~OpusCodec() override;
  OpusCodec(const OpusCodec&) = delete;
  OpusCodec& operator=(const OpusCodec&) = delete;

  std::string_view name() const override { return "opus"; }
  std::uint32_t clockRate() const override { return 48000; }
  std::uint32_t pcmRate() const override { return pcmRate_; }
  unsigned channels() const override { return 2; }
  std::size_t decode(std::span<const std::uint8_t> payload, std::span<std::int16_t> pcm) override;
  std::size_t conceal(std::span<std::int16_t> pcm) override;
  std::size_t recover(std::span<const std::uint8_t> nextPayload,
                      std::span<std::int16_t> pcm) override;
  std::size_t encode(std::span<const std::int16_t> pcm, std::span<std::uint8_t> payload) override;

 private:
  std::uint32_t pcmRate_;
  OpusEncoder* encoder_ = nullptr;
  OpusDecoder* decoder_ = nullptr;
};

}  // namespace rtcgate::media
