#include "media/packet/MediaStream.hpp"

#include <unistd.h>

#include "media/packet/PacketRelay.hpp"

namespace rtcgate::media {

MediaStream::~MediaStream() {
  relay_.stopPlaying(*this);  // its timer refers to this stream
  closeSocket();
}

void MediaStream::closeSocket() {
  if (fd_ < 0) return;
  relay_.unwatch(*this);
  close(fd_);
  fd_ = -1;
}

bool MediaStream::open(const PeerAddress& local) {
  fd_ = socket(local.storage.sin6_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return false;
  if (bind(fd_, reinterpret_cast<const sockaddr*>(&local.storage), local.length) != 0 ||
      !relay_.watch(*this)) {
    close(fd_);
    fd_ = -1;
    return false;
  }
  localPort_ = local.port();
  boundExplicitly_ = !local.isWildcard() && local.port() != 0;
  return true;
}

void MediaStream::expectPeer(const PeerAddress& peer, Latch::Policy policy) {
  relay_.unpin(*this);
  latch_.expect(peer, policy, relay_.loop().now());
}

void MediaStream::lockToPeer(const PeerAddress& peer, bool byIce) {
  relay_.unpin(*this);
  latch_.lockTo(peer, byIce);
}

void MediaStream::restartLearning() { latch_.restartLearning(relay_.loop().now()); }

void MediaStream::detach(std::uint16_t sharedPort) {
  closeSocket();
  localPort_ = sharedPort;
}

void MediaStream::onReadable() { relay_.onReadable(*this); }

void MediaStream::onDatagram(Datagram& datagram) { relay_.onDatagram(*this, datagram); }

void MediaStream::onReceiveError(int error) { relay_.onReceiveError(*this, error); }

}  // namespace rtcgate::media
