#pragma once

#include <cstdint>

#include "base/Result.hpp"
#include "media/relay/CallMedia.hpp"
#include "media/relay/LocalInterface.hpp"

namespace rtcgate::media {

// Where a call's media lines get their local ports: the one seam between offer/answer logic and
// the sockets. MediaPorts binds real UDP sockets from the configured range; tests pass a fake that
// hands out port numbers without a socket, so negotiation runs without a kernel.
class PortSource {
 public:
  virtual ~PortSource() = default;

  // Makes sure `media` holds ports of its own: creates its streams when it has none (an RTP/RTCP
  // pair, or one port when `singlePort`) and binds them on `where`'s address; a line whose streams
  // gave their ports up (it was in a bundle) binds them again, keeping its shape. A no-op when it
  // holds ports already. The error is an ng error reason ("Ran out of ports").
  virtual Result<bool> bind(CallMedia& media, bool singlePort, const LocalInterface& where) = 0;
  // Gives `stream`'s port back, if it holds one, and closes its socket; the stream lives on
  // without one, showing `sharedPort` (the bundle port that carries it, or 0).
  virtual void release(MediaStream& stream, std::uint16_t sharedPort) = 0;
};

}  // namespace rtcgate::media
