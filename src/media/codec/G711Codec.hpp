#pragma once

#include <cstdint>

#include "media/codec/AudioCodec.hpp"
#include "media/codec/SpandspConcealer.hpp"

namespace rtcgate::media {

// G.711 (ITU-T G.711, RFC 3551 PCMU/PCMA): one byte per sample at 8 kHz, stateless apart from the
// concealer (spandsp's plc.h). PcmuCodec and PcmaCodec pick the law.
class G711Codec : public AudioCodec {
 public:
  std::uint32_t clockRate() const override { return 8000; }
  std::uint32_t pcmRate() const override { return 8000; }
  unsigned channels() const override { return 1; }
  std::size_t decode(std::span<const std::uint8_t> payload, std::span<std::int16_t> pcm) override;
  std::size_t conceal(std::span<std::int16_t> pcm) override { return concealer_.fill(pcm); }
  std::size_t encode(std::span<const std::int16_t> pcm, std::span<std::uint8_t> payload) override;

 protected:
  enum class Law { mu, a };
  explicit G711Codec(Law law) : law_(law) {}

 private:
  Law law_;
  SpandspConcealer concealer_;
};

}  // namespace rtcgate::media
