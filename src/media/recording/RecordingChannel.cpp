#include "media/recording/RecordingChannel.hpp"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

#include "media/codec/AudioCodecFactory.hpp"
#include "media/packet/RtpPacket.hpp"

namespace rtcgate::media {
namespace {

// 120 ms at 48 kHz: the longest Opus frame, and more than any other codec's packet.
constexpr std::size_t kMaxDecoded = 5760;
// A timestamp this far from where the SSRC's timeline expects it is a new timeline (a sender
// that restarted its clock), placed by arrival instead.
constexpr std::int64_t kMaxJumpSeconds = 5;

}  // namespace

RecordingChannel::RecordingChannel(const std::vector<sdp::AudioFormat>& formats, std::uint32_t rate)
    : rate_(rate), decoded_(kMaxDecoded) {
  decoderOf_.fill(kNoDecoder);
  for (const sdp::AudioFormat& format : formats) {
    if (format.payloadType < 0 || format.payloadType > 127 || !format.isAudioCodec()) continue;
    if (decoderOf_[format.payloadType] != kNoDecoder || decoders_.size() >= kNoDecoder) continue;
    Decoder decoder{format, makeAudioCodec(format.encoding, format.clockRate, rate), nullptr};
    if (!decoder.codec) continue;
    if (decoder.codec->pcmRate() != rate) {
      try {
        decoder.resampler = std::make_unique<Resampler>(decoder.codec->pcmRate(), rate);
      } catch (const std::invalid_argument&) {
        continue;  // no integer ratio to the recording's rate: the codec is not recorded
      }
    }
    decoderOf_[format.payloadType] = static_cast<std::uint8_t>(decoders_.size());
    decoders_.push_back(std::move(decoder));
  }
  std::size_t most = kMaxDecoded;
  for (const Decoder& decoder : decoders_) {
    if (decoder.resampler) most = std::max(most, decoder.resampler->maxOutput(kMaxDecoded));
  }
  resampled_.resize(most);
  pending_.reserve(std::size_t{rate} * 2);
}

RecordingChannel::~RecordingChannel() = default;

void RecordingChannel::onPacket(std::span<const std::uint8_t> rtp, std::int64_t sinceStartMicros) {
  RtpHeader header;
  std::size_t offset = 0;
  std::size_t length = 0;
  if (!parseRtpHeader(rtp.data(), rtp.size(), header) ||
      !rtpPayload(rtp.data(), rtp.size(), offset, length) || length == 0) {
    return;
  }
  const std::uint8_t index = decoderOf_[header.payloadType];
  if (index == kNoDecoder) return;
  Decoder& decoder = decoders_[index];
  const std::size_t count = decoder.codec->decode(rtp.subspan(offset, length), decoded_);
  if (count == 0) return;
  if (!decoder.used) {
    decoder.used = true;
    codecsUsed_.push_back(decoder.format.encoding + "/" + std::to_string(decoder.format.clockRate));
  }
  std::span<const std::int16_t> samples(decoded_.data(), count);
  if (decoder.resampler) {
    samples = {resampled_.data(), decoder.resampler->process(samples, resampled_)};
  }
  place(placeOf(decoder, header.ssrc, header.timestamp, sinceStartMicros), samples);
}

std::int64_t RecordingChannel::placeOf(const Decoder& decoder, std::uint32_t ssrc,
                                       std::uint32_t timestamp, std::int64_t sinceStartMicros) {
  const std::int64_t byArrival = sinceStartMicros * rate_ / 1000000;
  // Signed: a reordered packet is a little behind the anchor.
  const auto ticks = static_cast<std::int32_t>(timestamp - anchorTimestamp_);
  const std::int64_t byTimestamp =
      anchorSample_ + std::int64_t{ticks} * rate_ / decoder.format.clockRate;
  const bool jumped = std::abs(byTimestamp - byArrival) > kMaxJumpSeconds * rate_;
  if (!anchored_ || ssrc != ssrc_ || jumped) {
    anchored_ = true;
    ssrc_ = ssrc;
    anchorTimestamp_ = timestamp;
    anchorSample_ = byArrival;
    return byArrival;
  }
  return byTimestamp;
}

void RecordingChannel::place(std::int64_t at, std::span<const std::int16_t> samples) {
  const auto position = static_cast<std::int64_t>(position_);
  if (at < position) {  // late: what is already written stays
    const auto late = static_cast<std::size_t>(position - at);
    if (late >= samples.size()) return;
    samples = samples.subspan(late);
    at = position;
  }
  const auto offset = static_cast<std::size_t>(at - position);
  const std::size_t needed = offset + samples.size();
  if (needed > std::size_t{rate_} * kMaxAheadSeconds) return;
  if (pending_.size() < needed) pending_.resize(needed, 0);
  std::copy(samples.begin(), samples.end(), pending_.begin() + static_cast<std::ptrdiff_t>(offset));
}

void RecordingChannel::take(std::span<std::int16_t> out) {
  const std::size_t have = std::min(out.size(), pending_.size());
  std::copy_n(pending_.begin(), have, out.begin());
  std::fill(out.begin() + static_cast<std::ptrdiff_t>(have), out.end(), std::int16_t{0});
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(have));
  position_ += out.size();
}

}  // namespace rtcgate::media
