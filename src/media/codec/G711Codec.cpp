#include "media/codec/G711Codec.hpp"

// spandsp's headers expect telephony.h (its types and SPAN_DECLARE) to come first.
#include <spandsp/telephony.h>
// clang-format off
#include <spandsp/bit_operations.h>
#include <spandsp/g711.h>
// clang-format on

namespace rtcgate::media {

std::size_t G711Codec::decode(std::span<const std::uint8_t> payload, std::span<std::int16_t> pcm) {
  if (payload.empty() || payload.size() > pcm.size()) return 0;
  for (std::size_t i = 0; i < payload.size(); ++i) {
    pcm[i] = law_ == Law::mu ? ulaw_to_linear(payload[i]) : alaw_to_linear(payload[i]);
  }
  concealer_.received(pcm.first(payload.size()));
  return payload.size();
}

std::size_t G711Codec::encode(std::span<const std::int16_t> pcm, std::span<std::uint8_t> payload) {
  if (pcm.empty() || pcm.size() > payload.size()) return 0;
  for (std::size_t i = 0; i < pcm.size(); ++i) {
    payload[i] = law_ == Law::mu ? linear_to_ulaw(pcm[i]) : linear_to_alaw(pcm[i]);
  }
  return pcm.size();
}

}  // namespace rtcgate::media
