#pragma once

#include "media/packet/DtmfDetector.hpp"
#include "media/packet/PeerAddress.hpp"

namespace rtcgate::media {

class MediaStream;

// Who hears the digits the packet path detects (RelayEngine). Called on the worker's thread, from
// the packet path itself: it must not block. Digits are rare (people press keys), so the observer
// may take its time to find the call; the packets are not waiting on anything else.
class DtmfObserver {
 public:
  virtual ~DtmfObserver() = default;
  // `stream`: the line's stream the party sends to (in a bundle, the line's own, not the bundle's
  // port); `source`: where the packet came from.
  virtual void onDigit(MediaStream& stream, const DtmfDetector::Digit& digit,
                       const PeerAddress& source) = 0;
};

}  // namespace rtcgate::media
