#include "media/codec/AudioCodecFactory.hpp"

#include "base/AsciiCase.hpp"
#include "media/codec/G722Codec.hpp"
#include "media/codec/OpusCodec.hpp"
#include "media/codec/PcmaCodec.hpp"
#include "media/codec/PcmuCodec.hpp"

namespace rtcgate::media {
namespace {

bool opusPcmRate(std::uint32_t rate) {
  return rate == 8000 || rate == 12000 || rate == 16000 || rate == 24000 || rate == 48000;
}

}  // namespace

std::unique_ptr<AudioCodec> makeAudioCodec(std::string_view name, std::uint32_t clockRate,
                                           std::uint32_t pcmRate, std::string_view fmtp) {
  if (equalsIgnoringCase(name, "PCMU") && clockRate == 8000) return std::make_unique<PcmuCodec>();
  if (equalsIgnoringCase(name, "PCMA") && clockRate == 8000) return std::make_unique<PcmaCodec>();
  if (equalsIgnoringCase(name, "G722") && clockRate == 8000) return std::make_unique<G722Codec>();
  if (equalsIgnoringCase(name, "opus") && clockRate == 48000 && opusPcmRate(pcmRate)) {
    return std::make_unique<OpusCodec>(OpusCodec::optionsFromFmtp(pcmRate, fmtp));
  }
  return nullptr;
}

}  // namespace rtcgate::media
