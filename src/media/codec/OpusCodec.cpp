#include "media/codec/OpusCodec.hpp"

#include <opus.h>

#include <algorithm>
#include <charconv>
#include <limits>
#include <stdexcept>
#include <string>

#include "base/AsciiCase.hpp"

namespace rtcgate::media {
namespace {

// libopus counts in int; an RTP payload is far below this.
constexpr std::size_t kMaxPayload = 65536;

int clampedInt(std::size_t n) {
  return static_cast<int>(std::min<std::size_t>(n, std::numeric_limits<int>::max()));
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

std::uint32_t parseNumber(std::string_view value) {
  std::uint32_t number = 0;
  std::from_chars(value.data(), value.data() + value.size(), number);
  return number;
}

}  // namespace

OpusCodec::Options OpusCodec::optionsFromFmtp(std::uint32_t pcmRate, std::string_view fmtp) {
  Options options;
  options.pcmRate = pcmRate;
  while (!fmtp.empty()) {
    const std::size_t end = std::min(fmtp.find(';'), fmtp.size());
    const std::string_view parameter = trim(fmtp.substr(0, end));
    fmtp.remove_prefix(std::min(end + 1, fmtp.size()));
    const std::size_t equals = parameter.find('=');
    if (equals == std::string_view::npos) continue;
    const std::string_view key = trim(parameter.substr(0, equals));
    const std::string_view value = trim(parameter.substr(equals + 1));
    if (equalsIgnoringCase(key, "useinbandfec")) options.inbandFec = value == "1";
    // RFC 7587: 6000..510000 bit/s; anything else is ignored.
    if (equalsIgnoringCase(key, "maxaveragebitrate")) {
      const std::uint32_t bitrate = parseNumber(value);
      if (bitrate >= 6000 && bitrate <= 510000) options.bitrate = bitrate;
    }
  }
  return options;
}

OpusCodec::OpusCodec(const Options& options) : pcmRate_(options.pcmRate) {
  int error = OPUS_OK;
  encoder_ =
      opus_encoder_create(static_cast<opus_int32>(pcmRate_), 1, OPUS_APPLICATION_VOIP, &error);
  if (error != OPUS_OK) throw std::invalid_argument("opus: " + std::string(opus_strerror(error)));
  decoder_ = opus_decoder_create(static_cast<opus_int32>(pcmRate_), 1, &error);
  if (error != OPUS_OK) {
    opus_encoder_destroy(encoder_);
    throw std::invalid_argument("opus: " + std::string(opus_strerror(error)));
  }
  opus_encoder_ctl(encoder_, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE));
  if (options.bitrate != 0) opus_encoder_ctl(encoder_, OPUS_SET_BITRATE(options.bitrate));
  if (options.inbandFec) {
    opus_encoder_ctl(encoder_, OPUS_SET_INBAND_FEC(1));
    // FEC is only produced when the encoder expects loss.
    opus_encoder_ctl(encoder_, OPUS_SET_PACKET_LOSS_PERC(10));
  }
}

OpusCodec::~OpusCodec() {
  opus_encoder_destroy(encoder_);
  opus_decoder_destroy(decoder_);
}

std::size_t OpusCodec::decode(std::span<const std::uint8_t> payload, std::span<std::int16_t> pcm) {
  if (payload.empty() || payload.size() > kMaxPayload) return 0;
  const int samples = opus_decode(decoder_, payload.data(), static_cast<opus_int32>(payload.size()),
                                  pcm.data(), clampedInt(pcm.size()), 0);
  return samples > 0 ? static_cast<std::size_t>(samples) : 0;
}

std::size_t OpusCodec::conceal(std::span<std::int16_t> pcm) {
  const int samples = opus_decode(decoder_, nullptr, 0, pcm.data(), clampedInt(pcm.size()), 0);
  return samples > 0 ? static_cast<std::size_t>(samples) : 0;
}

std::size_t OpusCodec::recover(std::span<const std::uint8_t> nextPayload,
                               std::span<std::int16_t> pcm) {
  if (nextPayload.empty() || nextPayload.size() > kMaxPayload) return conceal(pcm);
  // With decode_fec set, libopus decodes the LBRR data of the next packet for exactly pcm.size()
  // samples, or conceals when it has none.
  const int samples =
      opus_decode(decoder_, nextPayload.data(), static_cast<opus_int32>(nextPayload.size()),
                  pcm.data(), clampedInt(pcm.size()), 1);
  return samples > 0 ? static_cast<std::size_t>(samples) : conceal(pcm);
}

std::size_t OpusCodec::encode(std::span<const std::int16_t> pcm, std::span<std::uint8_t> payload) {
  if (pcm.empty() || payload.empty()) return 0;
  const opus_int32 bytes =
      opus_encode(encoder_, pcm.data(), clampedInt(pcm.size()), payload.data(),
                  static_cast<opus_int32>(std::min(payload.size(), kMaxPayload)));
  return bytes > 0 ? static_cast<std::size_t>(bytes) : 0;
}

}  // namespace rtcgate::media
