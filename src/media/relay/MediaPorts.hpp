#pragma once

#include <cstdint>

#include "media/packet/PacketRelay.hpp"
#include "media/packet/PeerAddress.hpp"
#include "media/relay/PortPool.hpp"
#include "media/relay/PortSource.hpp"

namespace rtcgate::media {

// The one place the relay opens media sockets: ports from the configured range (PortPool), bound
// on the address of the party's interface and registered with the worker's PacketRelay. Runs on the
// worker's thread, like the engine that owns it.
class MediaPorts : public PortSource {
 public:
  // One pool for every interface: a port number is in use on at most one of them, which keeps
  // `media.ports` the one number to open in a firewall.
  MediaPorts(PacketRelay& relay, std::uint16_t portMin, std::uint16_t portMax);

  Result<bool> bind(CallMedia& media, bool singlePort, const LocalInterface& where) override;
  void release(MediaStream& stream, std::uint16_t sharedPort) override;

  const PortPool& pool() const { return pool_; }

 private:
  bool open(CallMedia& media, std::uint16_t port, const PeerAddress& bindAddress);

  PacketRelay& relay_;
  PortPool pool_;
};

}  // namespace rtcgate::media
