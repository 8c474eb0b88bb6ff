#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "media/webrtc/SrtpReplayWindow.hpp"

namespace rtcgate::media {

// Per-SSRC SRTP/SRTCP state of one direction of an SrtpSession, in a fixed table inside it: a leg
// carries one SSRC per medium and direction (plus RTX/FEC), a BUNDLE a handful, so 16 slots with
// least-recently-used replacement need no allocation and a short linear scan. An evicted source
// that comes back starts again from ROC 0 and an empty window, as in a new session.
class SrtpSsrcTable {
 public:
  static constexpr std::size_t kSlots = 16;

  struct Entry {
    std::uint32_t ssrc = 0;
    std::uint32_t lastUse = 0;
    std::uint32_t rtcpNext = 0;  // sending: the next SRTCP index
    SrtpReplayWindow rtp;        // highest SRTP index (and, receiving, the replay window)
    SrtpReplayWindow rtcp;       // receiving: SRTCP replay window
    bool used = false;
  };

  // The entry of `ssrc`, or nullptr.
  Entry* find(std::uint32_t ssrc);
  // The entry of `ssrc`, taking a free slot or the least recently used one for a new source.
  Entry& obtain(std::uint32_t ssrc);

 private:
  std::array<Entry, kSlots> entries_{};
  std::uint32_t clock_ = 0;
  std::size_t last_ = 0;  // the slot of the last hit: one stream is the common case
};

}  // namespace rtcgate::media
