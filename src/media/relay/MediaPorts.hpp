#pragma once

#include <cstdint>

#include "media/packet/PacketRelay.hpp"
#include "media/packet/PeerAddress.hpp"
#include "media/relay/PortPool.hpp"
#include "media/relay/PortSource.hpp"

namespace rtcgate::media {

// The one place the relay opens media sockets: ports from the configured range (PortPool), bound
// on the relay's address and registered with the worker's PacketRelay. Runs on the worker's
// thread, like the engine that owns it.
class MediaPorts : public PortSource {
 public:
  MediaPorts(PacketRelay& relay, std::uint16_t portMin, std::uint16_t portMax,
             const PeerAddress& bindAddress);

  Result<bool> bind(CallMedia& media, bool singlePort) override;
  void release(MediaStream& stream, std::uint16_t sharedPort) override;

  const PortPool& pool() const { return pool_; }
  const PeerAddress& bindAddress() const { return bindAddress_; }

 private:
  bool open(CallMedia& media, std::uint16_t port);

  PacketRelay& relay_;
  PortPool pool_;
  PeerAddress bindAddress_;
};

}  // namespace rtcgate::media
