#include "media/codec/G722Codec.hpp"

#include <new>

// spandsp's headers expect telephony.h (its types and SPAN_DECLARE) to come first.
#include <spandsp/telephony.h>
// clang-format off
#include <spandsp/g722.h>
// clang-format on

namespace rtcgate::media {
namespace {

constexpr int kBitRate = 64000;
// A bound far above any RTP payload, so spandsp's int lengths cannot overflow.
constexpr std::size_t kMaxPayload = 65536;

}  // namespace

G722Codec::G722Codec()
    : encoder_(g722_encode_init(nullptr, kBitRate, 0)),
      decoder_(g722_decode_init(nullptr, kBitRate, 0)) {
  if (encoder_ == nullptr || decoder_ == nullptr) {
    if (encoder_ != nullptr) g722_encode_free(encoder_);
    if (decoder_ != nullptr) g722_decode_free(decoder_);
    throw std::bad_alloc();
  }
}

G722Codec::~G722Codec() {
  g722_encode_free(encoder_);
  g722_decode_free(decoder_);
}

std::size_t G722Codec::decode(std::span<const std::uint8_t> payload, std::span<std::int16_t> pcm) {
  if (payload.empty() || payload.size() > kMaxPayload || payload.size() * 2 > pcm.size()) return 0;
  const int samples =
      g722_decode(decoder_, pcm.data(), payload.data(), static_cast<int>(payload.size()));
  if (samples <= 0) return 0;
  concealer_.received(pcm.first(static_cast<std::size_t>(samples)));
  return static_cast<std::size_t>(samples);
}

std::size_t G722Codec::encode(std::span<const std::int16_t> pcm, std::span<std::uint8_t> payload) {
  // Two samples make a byte: an odd frame would leave half a byte in the encoder.
  if (pcm.empty() || pcm.size() % 2 != 0 || pcm.size() > 2 * kMaxPayload ||
      pcm.size() / 2 > payload.size()) {
    return 0;
  }
  const int bytes = g722_encode(encoder_, payload.data(), pcm.data(), static_cast<int>(pcm.size()));
  return bytes > 0 ? static_cast<std::size_t>(bytes) : 0;
}

}  // namespace rtcgate::media
