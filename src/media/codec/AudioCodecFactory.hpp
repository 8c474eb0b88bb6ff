#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "media/codec/AudioCodec.hpp"

namespace rtcgate::media {

// The codec for an SDP rtpmap encoding name (case-insensitive: PCMU, PCMA, G722, opus) at its
// clock rate, decoding to and encoding from `pcmRate` where the codec lets us choose (Opus; the
// others have a fixed PCM rate and ignore it). Null for a name, clock or rate we do not handle.
std::unique_ptr<AudioCodec> makeAudioCodec(std::string_view name, std::uint32_t clockRate,
                                           std::uint32_t pcmRate, std::string_view fmtp = {});

}  // namespace rtcgate::media
