#include "media/relay/MediaPorts.hpp"

#include <algorithm>
#include <memory>

namespace rtcgate::media {

MediaPorts::MediaPorts(PacketRelay& relay, std::uint16_t portMin, std::uint16_t portMax)
    : relay_(relay), pool_(portMin, portMax) {}

Result<bool> MediaPorts::bind(CallMedia& media, bool singlePort, const LocalInterface& where) {
  if (media.rtp && media.rtp->hasSocket()) return true;
  if (media.rtp) {
    singlePort = !media.rtcp;  // back from a bundle: the line keeps the streams it had
  } else {
    media.rtp = std::make_unique<MediaStream>(relay_, false);
    if (!singlePort) media.rtcp = std::make_unique<MediaStream>(relay_, true);
  }
  // Ports can be held by other processes, often in runs (another relay's range overlapping ours):
  // skip past them until every candidate was tried, rather than give up after a few.
  const std::size_t attempts = std::max<std::size_t>(1, pool_.capacity() / (singlePort ? 1 : 2));
  for (std::size_t attempt = 0; attempt < attempts; ++attempt) {
    auto port = singlePort ? pool_.allocateOne() : pool_.allocatePair();
    if (!port) return Error{port.error()};
    if (open(media, *port, where.bindAddress)) return true;
    pool_.release(*port);
    if (!singlePort) pool_.release(static_cast<std::uint16_t>(*port + 1));
  }
  return Error{"Ran out of ports"};
}

// Binds the line's RTP stream to `port` and its RTCP stream, if any, to `port` + 1: both or
// neither.
bool MediaPorts::open(CallMedia& media, std::uint16_t port, const PeerAddress& bindAddress) {
  SocketAddress address = bindAddress.toSocketAddress();
  address.setPort(port);
  if (!media.rtp->open(PeerAddress::from(address))) return false;
  if (!media.rtcp) return true;
  address.setPort(static_cast<std::uint16_t>(port + 1));
  if (media.rtcp->open(PeerAddress::from(address))) return true;
  media.rtp->detach(0);
  return false;
}

void MediaPorts::release(MediaStream& stream, std::uint16_t sharedPort) {
  if (stream.hasSocket()) pool_.release(stream.localPort());
  stream.detach(sharedPort);
}

}  // namespace rtcgate::media
