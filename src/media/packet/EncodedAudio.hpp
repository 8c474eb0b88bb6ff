#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace rtcgate::media {

// A whole announcement already encoded for one recipient (ng `play media`): the RTP payloads of
// consecutive frames, back to back, so that playing it is copying bytes and not encoding on the
// packet path. Immutable once built; shared by the players of a call's legs.
struct EncodedAudio {
  std::uint8_t payloadType = 0;    // the recipient's payload type for the codec
  std::uint32_t frameTicks = 160;  // RTP timestamp units of one frame
  std::uint32_t frameMs = 20;      // its duration: the pace it is sent at
  std::vector<std::uint8_t> bytes;
  std::vector<std::size_t> frameEnds;  // frame i is bytes[frameEnds[i-1] .. frameEnds[i])

  std::size_t frames() const { return frameEnds.size(); }
  std::span<const std::uint8_t> frame(std::size_t i) const {
    const std::size_t begin = i == 0 ? 0 : frameEnds[i - 1];
    return {bytes.data() + begin, frameEnds[i] - begin};
  }
  void addFrame(std::span<const std::uint8_t> payload) {
    bytes.insert(bytes.end(), payload.begin(), payload.end());
    frameEnds.push_back(bytes.size());
  }
};

}  // namespace rtcgate::media
