#pragma once

#include <bitset>
#include <cstdint>

#include "media/packet/DatagramRing.hpp"
#include "media/packet/DtmfDetector.hpp"
#include "media/packet/DtmfPlayer.hpp"
#include "media/packet/EventLoop.hpp"
#include "media/packet/Latch.hpp"
#include "media/packet/MediaPlayer.hpp"
#include "media/packet/PeerAddress.hpp"
#include "media/packet/RtcpStats.hpp"
#include "media/packet/StreamStats.hpp"
#include "media/packet/TelephoneEventTypes.hpp"

namespace rtcgate::media {

class BundleDemux;
class PacketRelay;
class RtpTap;
class SecureTransport;
class Transcoder;

// One local media port (RTP or RTCP) of one call party: the socket the party sends to, where its
// packets are forwarded, who is allowed to send (Latch) and what arrived (StreamStats). Owned by
// the call; its socket is registered with the worker's loop while it exists.
class MediaStream : public PollHandler, private DatagramRing::Receiver {
 public:
  MediaStream(PacketRelay& relay, bool rtcp) : relay_(relay), rtcp_(rtcp) {}
  ~MediaStream() override;
  MediaStream(const MediaStream&) = delete;
  MediaStream& operator=(const MediaStream&) = delete;

  // Binds a non-blocking UDP socket to `local` (address and port) and registers it with the loop.
  // Also after detach(), when a line leaves a bundle and needs its own port again.
  bool open(const PeerAddress& local);
  // Closes the socket (the caller returns the port to the pool): the stream lives on without one,
  // its packets carried by another stream's socket (BUNDLE). `sharedPort` is what reports show.
  void detach(std::uint16_t sharedPort);
  bool hasSocket() const { return fd_ >= 0; }
  void onReadable() override;
  void onDatagram(Datagram& datagram) override;
  void onReceiveError(int error) override;

  int fd() const { return fd_; }
  std::uint16_t localPort() const { return localPort_; }
  bool isRtcp() const { return rtcp_; }

  // The peer to expect from a new SDP (offer, answer, re-INVITE), or the one an authenticated path
  // (ICE check, DTLS handshake) names. Both unpin the socket first (see PacketRelay) so that the
  // new peer's packets reach it.
  void expectPeer(const PeerAddress& peer, Latch::Policy policy);
  void lockToPeer(const PeerAddress& peer, bool byIce);
  // Another signal of the call: a port still learning its peer waits its learning delay anew.
  void restartLearning();
  const Latch& latch() const { return latch_; }
  // The socket is connected to the latched peer while it sends (see PacketRelay).
  bool pinned() const { return pinSlot_ != kUnpinned; }
  // Bound to one address and port of its choosing: connecting a wildcard socket would choose an
  // address, and disconnecting gives up a port the kernel chose.
  bool boundExplicitly() const { return boundExplicitly_; }
  StreamStats& stats() { return stats_; }
  const StreamStats& stats() const { return stats_; }
  RtcpStats& rtcpStats() { return rtcpStats_; }
  const RtcpStats& rtcpStats() const { return rtcpStats_; }

  // Where packets arriving here go out: the stream whose socket sends them and whose peer gets
  // them. Null until the other side is known.
  MediaStream* rtpTarget = nullptr;
  MediaStream* rtcpTarget = nullptr;
  // ICE/DTLS/SRTP of the party behind this port (owned by its CallMedia); null for plain RTP.
  SecureTransport* secure = nullptr;
  // BUNDLE (several m= lines on one port): on the bundle's port, which line a packet belongs to
  // (owned by the first line's CallMedia); on the other lines' streams, the stream whose socket,
  // latch and SecureTransport carry their packets. Both null outside a bundle.
  BundleDemux* demux = nullptr;
  MediaStream* carrier = nullptr;

  void allowPayloadType(std::uint8_t payloadType) { payloadTypes_.set(payloadType & 0x7f); }
  void clearPayloadTypes() { payloadTypes_.reset(); }
  bool payloadAllowed(std::uint8_t payloadType) const { return payloadTypes_.test(payloadType); }
  std::uint32_t clockRate = 8000;
  // DTMF (RFC 4733): the telephone-event payload types of this party's SDP, the digits it sends
  // (PacketRelay feeds the detector only packets of those types, and audio while an event runs),
  // and digits played as if it sent them (ng `play DTMF`: its audio packets become events).
  TelephoneEventTypes telephoneEvents;
  DtmfDetector dtmfDetector;
  DtmfPlayer dtmfPlayer;
  // ng `play media`: an announcement sent as if this party sent it (PacketRelay::play).
  MediaPlayer mediaPlayer;
  // A call recording's copy of this party's RTP (owned by the recording); null when not recorded.
  RtpTap* rtpTap = nullptr;
  // Transcoding: this party's RTP is decoded and re-encoded for its partner (owned by its
  // CallMedia); null on the pass-through path.
  Transcoder* transcoder = nullptr;

 private:
  friend class PacketRelay;  // keeps ringSlot_ and pinSlot_, feeds the latch

  static constexpr std::uint32_t kUnpinned = ~std::uint32_t{0};

  void closeSocket();

  PacketRelay& relay_;
  bool rtcp_;
  bool boundExplicitly_ = false;
  int fd_ = -1;
  DatagramRing::Slot ringSlot_ = 0;    // with a DatagramRing: the socket's receive there
  std::uint32_t pinSlot_ = kUnpinned;  // where PacketRelay lists it while pinned
  std::uint16_t localPort_ = 0;
  Latch latch_;
  StreamStats stats_;
  RtcpStats rtcpStats_;
  std::bitset<128> payloadTypes_;
};

}  // namespace rtcgate::media
