#include "media/playback/AnnouncementEncoder.hpp"

#include <array>
#include <vector>

#include "media/codec/AudioCodecFactory.hpp"
#include "media/codec/Resampler.hpp"

namespace rtcgate::media {
namespace {

constexpr unsigned kFramesPerSecond = 50;  // 20 ms

std::vector<std::int16_t> resampled(const WavAudio& audio, std::uint32_t rate) {
  if (audio.rate == rate) return audio.samples;
  Resampler resampler(audio.rate, rate);
  std::vector<std::int16_t> out(resampler.maxOutput(audio.samples.size()));
  out.resize(resampler.process(audio.samples, out));
  return out;
}

}  // namespace

Result<std::shared_ptr<const EncodedAudio>> encodeAnnouncement(const WavAudio& audio,
                                                               const AnnouncementCodec& codec) {
  // Opus encodes from the file's own rate (it takes 8, 16 and 48 kHz); the others have theirs.
  auto encoder = makeAudioCodec(codec.encoding, codec.clockRate, audio.rate);
  if (!encoder) return Error{"No audio codec to encode the file with"};
  std::vector<std::int16_t> pcm = resampled(audio, encoder->pcmRate());
  const std::size_t frameSamples = encoder->pcmRate() / kFramesPerSecond;
  pcm.resize((pcm.size() + frameSamples - 1) / frameSamples * frameSamples, 0);
  auto encoded = std::make_shared<EncodedAudio>();
  encoded->payloadType = codec.payloadType;
  encoded->frameTicks = encoder->ticksFor(frameSamples);
  encoded->frameMs = 1000 / kFramesPerSecond;
  encoded->bytes.reserve(pcm.size());
  std::array<std::uint8_t, 1500> payload{};
  for (std::size_t at = 0; at < pcm.size(); at += frameSamples) {
    const std::size_t length =
        encoder->encode(std::span<const std::int16_t>(pcm.data() + at, frameSamples), payload);
    if (length == 0) return Error{"The codec refused the file's audio"};
    encoded->addFrame(std::span<const std::uint8_t>(payload.data(), length));
  }
  return std::shared_ptr<const EncodedAudio>(std::move(encoded));
}

}  // namespace rtcgate::media
