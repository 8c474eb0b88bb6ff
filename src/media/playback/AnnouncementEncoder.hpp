#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "base/Result.hpp"
#include "media/packet/EncodedAudio.hpp"
#include "media/playback/WavReader.hpp"

namespace rtcgate::media {

// The codec a recipient gets an announcement in: its SDP encoding name and clock rate, and the
// payload type it negotiated for them.
struct AnnouncementCodec {
  std::string_view encoding;
  std::uint32_t clockRate = 8000;
  std::uint8_t payloadType = 0;
};

// Encodes a whole announcement up front, in 20 ms frames (the last one padded with silence),
// resampled to the codec's PCM rate first: `play media` then only copies payloads on its timer.
// Fails for a codec makeAudioCodec does not have.
Result<std::shared_ptr<const EncodedAudio>> encodeAnnouncement(const WavAudio& audio,
                                                               const AnnouncementCodec& codec);

}  // namespace rtcgate::media
