#pragma once

#include <cstdint>

#include "media/codec/AudioCodec.hpp"
#include "media/codec/SpandspConcealer.hpp"

struct g722_encode_state_s;
struct g722_decode_state_s;

namespace rtcgate::media {

// G.722 at 64 kbit/s (spandsp's g722.h): 16 kHz PCM, one byte per two samples. The RTP clock is
// 8000 although it samples at 16 kHz (RFC 3551 section 4.5.2, an error kept for compatibility), so
// a 20 ms frame is 320 samples, 160 bytes and 160 timestamp ticks. Concealment: spandsp's plc on
// the 16 kHz PCM (see SpandspConcealer); the decoder's ADPCM state simply continues after a loss.
class G722Codec final : public AudioCodec {
 public:
  G722Codec();
  ~G722Codec() override;
  G722Codec(const G722Codec&) = delete;
  G722Codec& operator=(const G722Codec&) = delete;

  std::string_view name() const override { return "G722"; }
  std::uint32_t clockRate() const override { return 8000; }
  std::uint32_t pcmRate() const override { return 16000; }
  unsigned channels() const override { return 1; }
  std::size_t decode(std::span<const std::uint8_t> payload, std::span<std::int16_t> pcm) override;
  std::size_t conceal(std::span<std::int16_t> pcm) override { return concealer_.fill(pcm); }
  std::size_t encode(std::span<const std::int16_t> pcm, std::span<std::uint8_t> payload) override;

 private:
  g722_encode_state_s* encoder_;
  g722_decode_state_s* decoder_;
  SpandspConcealer concealer_;
};

}  // namespace rtcgate::media
