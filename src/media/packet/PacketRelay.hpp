#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "media/codec/RtpFrame.hpp"
#include "media/codec/Transcoder.hpp"
#include "media/packet/DatagramRing.hpp"
#include "media/packet/EventLoop.hpp"
#include "media/packet/PeerAddress.hpp"
#include "media/packet/SharedCounter.hpp"

namespace rtcgate::media {

class DtmfObserver;
class MediaStream;
struct EncodedAudio;
struct RtpHeader;

// The packet path of one worker: checks each datagram a media socket receives against the stream's
// latch, counts it, and forwards it in place (no copy, no allocation, no lock, no log). On epoll it
// reads a ready socket with recvmmsg into buffers preallocated per worker and sends with sendmmsg;
// on the loop's DatagramRing (io_uring) datagrams arrive in the ring's buffers and leave by it.
//
// A plain-RTP port whose latched peer is sending is connected to that peer ("pinned"): the kernel
// then keeps the route and finds the socket by its 4-tuple instead of looking both up for every
// packet (about 8% less CPU for calls, RTP both ways). A connected socket hears that peer only, so
// it is unpinned when the peer falls silent for kPinSilence (a NAT rebinding, or a stranger, then
// meets the latch as before), on a new SDP, and when the peer's host refuses the packets (ICMP
// port unreachable).
class PacketRelay : private DatagramRing::SendObserver {
 public:
  static constexpr int kBatch = 64;
  static constexpr std::size_t kBufferSize = 2048;
  // Two packets closer than this pin a port; this much silence unpins it. RTCP (every few
  // seconds) and DTX comfort noise (every 400 ms) never pin.
  static constexpr Duration kPinSilence{250};

  explicit PacketRelay(EventLoop& loop);
  ~PacketRelay();
  PacketRelay(const PacketRelay&) = delete;
  PacketRelay& operator=(const PacketRelay&) = delete;

  EventLoop& loop() { return loop_; }
  // Registers a stream's open socket for receiving, on the ring or on epoll; unwatch() before its
  // socket closes.
  bool watch(MediaStream& stream);
  void unwatch(MediaStream& stream);
  void onReadable(MediaStream& in);                      // epoll
  void onDatagram(MediaStream& in, Datagram& datagram);  // ring
  void onReceiveError(MediaStream& in, int error);
  // Disconnects a pinned socket: every source meets the latch again (a new SDP, an ICE/DTLS lock).
  void unpin(MediaStream& stream);

  // ng `play media`: `audio` into the stream `in`'s party sends toward its partner, one frame per
  // frame interval from a timer on this loop, the party's own RTP dropped meanwhile (MediaPlayer).
  // stopPlaying() ends it early; a stream's destruction must call it (its timer refers to it).
  void play(MediaStream& in, std::shared_ptr<const EncodedAudio> audio, unsigned repeat);
  void stopPlaying(MediaStream& in);

  // Who hears the DTMF digits the streams' detectors find (null: nobody); set on the worker's
  // thread.
  void observeDtmf(DtmfObserver* observer) { dtmfObserver_ = observer; }

  // Any thread may read these (the gateway's /metrics does, from the signalling loop).
  std::uint64_t relayedPackets() const { return relayedPackets_.value(); }
  std::uint64_t relayedBytes() const { return relayedBytes_.value(); }
  // sendmmsg refused or could not take them.
  std::uint64_t relayedErrors() const { return relayedErrors_.value(); }
  // Received and not forwarded: truncated, failed SRTP authentication or DTLS, refused by the
  // latch (wrong source or payload type).
  std::uint64_t droppedPackets() const { return droppedPackets_.value(); }
  // RTP packets that went through a Transcoder (input counted).
  std::uint64_t transcodedPackets() const { return transcodedPackets_.value(); }

 private:
  int receiveBatch(int fd);
  // Decides where `datagram`, read from `socket`, goes; nullptr = dropped.
  MediaStream* route(MediaStream& socket, Datagram& datagram, std::int64_t micros);
  void readRtcp(MediaStream& in, MediaStream* target, const std::uint8_t* data, std::size_t length);
  std::int64_t nowMicros() const;
  // A telephone-event packet of `in`'s party, or its audio while an event runs (RFC 4733).
  void detectDtmf(MediaStream& in, const RtpHeader& header, const Datagram& datagram);
  // Replaces the RTP packet in `datagram` by its Transcoder's last output, in place, after
  // sending the outputs before it to `out` (a shorter packet time, a concealed loss); false when
  // there is none to send yet (buffered, or an event the other side has no type for).
  bool transcode(MediaStream& in, MediaStream& out, Datagram& datagram);
  // One transcoder output that does not travel in the received datagram: protected and sent now,
  // after what is already queued for `out`.
  void sendNow(MediaStream& out, const RtpFrame& frame);
  void sendDirect(MediaStream& out, std::uint8_t* data, std::size_t length, std::size_t capacity);
  void onSent(std::size_t bytes) override;
  void onSendFailed() override;
  void queueSend(MediaStream& out, int index);
  void flush();
  bool pinnable(const MediaStream& stream) const;
  void pinIfFlowing(MediaStream& stream, Clock::time_point previousPacket);
  void disconnect(MediaStream& stream);  // unpin() without sending what is queued first
  void forgetPin(MediaStream& stream);
  void sweepPinned();
  void playTick(MediaStream& in);
  // One played frame, from playBuffer_, out toward `in`'s partner as the party's packets go.
  void sendPlayed(MediaStream& in, std::size_t length);

  // The epoll path's recvmmsg/sendmmsg messages and their 128 KiB of buffers, made only for a loop
  // without a DatagramRing (whose datagrams arrive in the ring's own buffers).
  struct Batch {
    Batch();
    std::array<std::array<std::uint8_t, kBufferSize>, kBatch> buffers{};
    std::array<PeerAddress, kBatch> sources{};
    std::array<iovec, kBatch> receiveIov{};
    std::array<mmsghdr, kBatch> receive{};
    std::array<iovec, kBatch> sendIov{};
    std::array<mmsghdr, kBatch> send{};
  };

  // Where a Transcoder writes what one packet releases: made once per worker, reused per packet.
  struct TranscodeScratch {
    static constexpr std::size_t kFrames = 4;
    std::array<std::uint8_t, Transcoder::kMaxPayload * kFrames> storage{};
    std::array<RtpFrame, kFrames> frames{};
    std::array<std::uint8_t, kBufferSize> packet{};  // for sendNow()
  };

  EventLoop& loop_;
  std::unique_ptr<Batch> batch_;
  std::unique_ptr<TranscodeScratch> transcodeScratch_;
  int pending_ = 0;
  MediaStream* pendingOut_ = nullptr;
  std::vector<MediaStream*> pinned_;  // each knows its index (MediaStream::pinSlot_)
  Timers::Id pinSweep_ = 0;
  DtmfObserver* dtmfObserver_ = nullptr;
  std::array<std::uint8_t, kBufferSize> playBuffer_{};  // the played frame being sent
  SharedCounter relayedPackets_;
  SharedCounter relayedBytes_;
  SharedCounter relayedErrors_;
  SharedCounter droppedPackets_;
  SharedCounter transcodedPackets_;
};

}  // namespace rtcgate::media
