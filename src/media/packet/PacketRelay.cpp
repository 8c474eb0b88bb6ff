#include "media/packet/PacketRelay.hpp"

#include <algorithm>
#include <cerrno>

#include "media/packet/BundleDemux.hpp"
#include "media/packet/DtmfObserver.hpp"
#include "media/packet/EncodedAudio.hpp"
#include "media/packet/MediaStream.hpp"
#include "media/packet/RtcpPacket.hpp"
#include "media/packet/RtpPacket.hpp"
#include "media/packet/RtpTap.hpp"
#include "media/packet/TelephoneEvent.hpp"
#include "media/webrtc/SecureTransport.hpp"

namespace rtcgate::media {
namespace {

constexpr std::size_t kRtpHeaderSize = 12;

std::uint32_t readSsrc(const std::uint8_t* data) {
  return (std::uint32_t{data[8]} << 24) | (std::uint32_t{data[9]} << 16) |
         (std::uint32_t{data[10]} << 8) | data[11];
}

void putBigEndian(std::uint8_t* at, std::uint32_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) {
    at[i] = static_cast<std::uint8_t>(value);
    value >>= 8;
  }
}

// Version 2, no padding, extension or CSRCs: the sender's were about its own stream.
void writeRtpHeader(std::uint8_t* data, const RtpFrame& frame) {
  data[0] = 0x80;
  data[1] = static_cast<std::uint8_t>((frame.marker ? 0x80 : 0) | (frame.payloadType & 0x7f));
  putBigEndian(data + 2, frame.sequence, 2);
  putBigEndian(data + 4, frame.timestamp, 4);
  putBigEndian(data + 8, frame.ssrc, 4);
}

}  // namespace

PacketRelay::Batch::Batch() {
  for (int i = 0; i < kBatch; ++i) {
    receiveIov[i] = {buffers[i].data(), kBufferSize};
    receive[i].msg_hdr.msg_iov = &receiveIov[i];
    receive[i].msg_hdr.msg_iovlen = 1;
    receive[i].msg_hdr.msg_name = &sources[i].storage;
    send[i].msg_hdr.msg_iov = &sendIov[i];
    send[i].msg_hdr.msg_iovlen = 1;
  }
}

PacketRelay::PacketRelay(EventLoop& loop)
    : loop_(loop), transcodeScratch_(std::make_unique<TranscodeScratch>()) {
  if (DatagramRing* ring = loop_.datagramRing())
    ring->observeSends(this);
  else
    batch_ = std::make_unique<Batch>();
}

PacketRelay::~PacketRelay() {
  if (DatagramRing* ring = loop_.datagramRing()) ring->forgetObserver(this);
  if (pinSweep_ != 0) loop_.cancel(pinSweep_);
}

bool PacketRelay::watch(MediaStream& stream) {
  if (DatagramRing* ring = loop_.datagramRing()) {
    stream.ringSlot_ = ring->watch(stream.fd(), stream);
    return true;
  }
  return loop_.add(stream.fd(), &stream);
}

void PacketRelay::unwatch(MediaStream& stream) {
  if (stream.pinned()) forgetPin(stream);  // the socket closes: nothing to disconnect
  if (DatagramRing* ring = loop_.datagramRing())
    ring->unwatch(stream.ringSlot_);
  else
    loop_.remove(stream.fd());
}

std::int64_t PacketRelay::nowMicros() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(loop_.now().time_since_epoch())
      .count();
}

int PacketRelay::receiveBatch(int fd) {
  auto& messages = batch_->receive;
  for (int i = 0; i < kBatch; ++i) {
    messages[i].msg_hdr.msg_namelen = sizeof(sockaddr_in6);
    messages[i].msg_hdr.msg_flags = 0;
  }
  return recvmmsg(fd, messages.data(), kBatch, MSG_DONTWAIT, nullptr);
}

void PacketRelay::onReadable(MediaStream& in) {
  const auto micros = nowMicros();
  Batch& batch = *batch_;
  // A few batches per wake-up, then back to the loop so one busy port cannot starve the others.
  for (int round = 0; round < 4; ++round) {
    const int count = receiveBatch(in.fd());
    if (count <= 0) {
      if (count < 0) onReceiveError(in, errno);
      break;
    }
    for (int i = 0; i < count; ++i) {
      mmsghdr& received = batch.receive[i];
      batch.sources[i].length = received.msg_hdr.msg_namelen;
      Datagram datagram{batch.buffers[i].data(), received.msg_len, kBufferSize, batch.sources[i],
                        (received.msg_hdr.msg_flags & MSG_TRUNC) != 0};
      if (MediaStream* out = route(in, datagram, micros)) {
        received.msg_len = static_cast<unsigned>(datagram.length);
        queueSend(*out, i);
      }
    }
    flush();
    if (count < kBatch) break;
  }
}

void PacketRelay::onDatagram(MediaStream& in, Datagram& datagram) {
  DatagramRing& ring = *loop_.datagramRing();
  MediaStream* out = route(in, datagram, nowMicros());
  if (out == nullptr) {
    ring.release(datagram);
    return;
  }
  ring.send(out->fd(), datagram, out->pinned() ? nullptr : &out->latch().peer());
}

void PacketRelay::onReceiveError(MediaStream& in, int error) {
  // Only a connected socket is told of ICMP errors: the pinned peer's port is closed.
  if (error == ECONNREFUSED) unpin(in);
}

bool PacketRelay::pinnable(const MediaStream& stream) const {
  return stream.secure == nullptr && stream.demux == nullptr && stream.carrier == nullptr &&
         stream.boundExplicitly() && stream.latch().lockedToPeer();
}

void PacketRelay::pinIfFlowing(MediaStream& stream, Clock::time_point previousPacket) {
  if (loop_.now() - previousPacket >= kPinSilence || !pinnable(stream)) return;
  const PeerAddress& peer = stream.latch().peer();
  if (connect(stream.fd(), reinterpret_cast<const sockaddr*>(&peer.storage), peer.length) != 0)
    return;  // no route to the peer: its packets are sent (and fail) as before
  stream.pinSlot_ = static_cast<std::uint32_t>(pinned_.size());
  pinned_.push_back(&stream);
  if (pinSweep_ == 0) pinSweep_ = loop_.start(kPinSilence / 2, [this] { sweepPinned(); });
}

void PacketRelay::unpin(MediaStream& stream) {
  if (!stream.pinned()) return;
  // Sends queued without an address must leave while the socket is still connected.
  if (DatagramRing* ring = loop_.datagramRing())
    ring->submit();
  else if (pendingOut_ == &stream)
    flush();
  disconnect(stream);
}

void PacketRelay::disconnect(MediaStream& stream) {
  sockaddr unspecified{};
  unspecified.sa_family = AF_UNSPEC;
  connect(stream.fd(), &unspecified, sizeof unspecified);
  forgetPin(stream);
}

void PacketRelay::forgetPin(MediaStream& stream) {
  MediaStream* last = pinned_.back();
  pinned_[stream.pinSlot_] = last;
  last->pinSlot_ = stream.pinSlot_;
  pinned_.pop_back();
  stream.pinSlot_ = MediaStream::kUnpinned;
}

void PacketRelay::sweepPinned() {
  pinSweep_ = 0;
  const Clock::time_point now = loop_.now();
  // Backwards: unpin() moves the last entry, already seen, into the freed place.
  for (std::size_t i = pinned_.size(); i-- > 0;) {
    MediaStream& stream = *pinned_[i];
    if (now - stream.stats().lastPacket() >= kPinSilence || !pinnable(stream)) unpin(stream);
  }
  if (!pinned_.empty()) pinSweep_ = loop_.start(kPinSilence / 2, [this] { sweepPinned(); });
}

void PacketRelay::onSent(std::size_t bytes) {
  ++relayedPackets_;
  relayedBytes_.add(bytes);
}

void PacketRelay::onSendFailed() { ++relayedErrors_; }

MediaStream* PacketRelay::route(MediaStream& socket, Datagram& datagram, std::int64_t micros) {
  std::uint8_t* data = datagram.data;
  std::size_t& length = datagram.length;
  const PeerAddress& source = datagram.source;
  if (datagram.truncated) {
    socket.stats().countError();
    ++droppedPackets_;
    return nullptr;
  }
  // SRTCP keeps the RTCP header in clear, so the RFC 5761 test works before decryption.
  const bool rtcp = socket.isRtcp() || looksLikeRtcp(data, length);
  if (socket.secure != nullptr) {
    switch (socket.secure->onInbound(data, length, source, rtcp)) {
      case SecureTransport::Inbound::Consumed:
        return nullptr;
      case SecureTransport::Inbound::Drop:
        socket.stats().countError();
        ++droppedPackets_;
        return nullptr;
      case SecureTransport::Inbound::Media:
        break;
    }
  }
  RtpHeader header;
  const bool rtp = !rtcp && parseRtpHeader(data, length, header);
  // Which m= line the packet is for: the port's own, or on a BUNDLE port the line its SSRC (MID,
  // payload type) names.
  MediaStream* in = &socket;
  if (socket.demux != nullptr && (rtp || rtcp)) {
    in = rtcp ? socket.demux->forRtcp(data, length) : socket.demux->forRtp(data, length, header);
    if (in == nullptr) {
      socket.stats().countError();
      ++droppedPackets_;
      return nullptr;
    }
  }
  Latch::Packet packet;
  packet.acceptable =
      rtcp ? looksLikeRtcp(data, length) : rtp && in->payloadAllowed(header.payloadType);
  // What reaches here on a keyed port passed SRTP authentication.
  packet.authenticated =
      socket.secure != nullptr && socket.secure->keying() != SecureTransport::Keying::None;
  packet.isRtp = rtp;
  packet.ssrc = header.ssrc;
  const Clock::time_point previousPacket = socket.stats().lastPacket();
  const Latch::Verdict verdict = socket.latch_.onPacket(source, packet, loop_.now());
  if (verdict == Latch::Verdict::Reject) {
    in->stats().countError();
    ++droppedPackets_;
    return nullptr;
  }
  if (verdict == Latch::Verdict::Learned)
    unpin(socket);  // queued before the pin, from the peer's new address: it learns from there
  else if (!socket.pinned())
    pinIfFlowing(socket, previousPacket);
  in->stats().countPacket(length, loop_.now());
  // Arrival time in the line's RTP clock units, for the jitter estimate (RFC 3550 A.8).
  if (rtp)
    in->stats().countRtp(header, static_cast<std::uint32_t>(micros * in->clockRate / 1000000));
  // Without DTMF on the line, a compare or two: a payload type the SDP did not name, no event.
  if (rtp && (in->telephoneEvents.contains(header.payloadType) || in->dtmfDetector.active())) {
    detectDtmf(*in, header, datagram);
  }
  // A recorded party: its plain RTP, before `play DTMF` rewrites it, is copied for the recording.
  if (rtp && in->rtpTap != nullptr) in->rtpTap->onRtp(data, length, micros);
  MediaStream* target = rtcp ? in->rtcpTarget : in->rtpTarget;
  if (rtcp) readRtcp(*in, target, data, length);
  if (target == nullptr) return nullptr;
  // A bundled line leaves through the bundle's port, keys and latched peer.
  MediaStream* out = target->carrier != nullptr ? target->carrier : target;
  if (!out->latch().peer().valid() || out->latch().peer().port() == 0) return nullptr;
  // ng `play media`: the announcement replaces the party's packets (the timer sends it).
  if (rtp && in->mediaPlayer.playing()) return nullptr;
  // ng `play DTMF`: the party's audio becomes the digit's events, then is protected as any packet.
  if (rtp && in->dtmfPlayer.playing() && !in->telephoneEvents.contains(header.payloadType)) {
    if (const std::size_t event = in->dtmfPlayer.onAudio(data, datagram.capacity, header)) {
      length = event;
    }
  }
  // The one branch off the pass-through path: a transcoded party's packet is re-encoded in place.
  if (rtp && in->transcoder != nullptr && !transcode(*in, *out, datagram)) return nullptr;
  if (out->demux != nullptr && rtp) out->demux->noteOutbound(readSsrc(data), target);
  if (out->secure != nullptr) {
    if (!out->secure->protect(data, length, datagram.capacity, rtcp)) return nullptr;
  }
  return out;
}

bool PacketRelay::transcode(MediaStream& in, MediaStream& out, Datagram& datagram) {
  std::size_t offset = 0;
  std::size_t payloadLength = 0;
  if (!rtpPayload(datagram.data, datagram.length, offset, payloadLength)) return false;
  RtpHeader header;  // parsed again: `play DTMF` may have turned the audio into an event
  (void)parseRtpHeader(datagram.data, datagram.length, header);  // rtpPayload() checked its size
  const RtpFrame frame{
      header.payloadType, (datagram.data[1] & 0x80) != 0,
      header.sequence,    header.timestamp,
      header.ssrc,        std::span<const std::uint8_t>(datagram.data + offset, payloadLength)};
  TranscodeScratch& scratch = *transcodeScratch_;
  const std::size_t count = in.transcoder->process(frame, scratch.storage, scratch.frames);
  ++transcodedPackets_;
  if (count == 0) return false;
  for (std::size_t i = 0; i + 1 < count; ++i) sendNow(out, scratch.frames[i]);
  const RtpFrame& last = scratch.frames[count - 1];
  if (kRtpHeaderSize + last.payload.size() > datagram.capacity) return false;
  writeRtpHeader(datagram.data, last);
  std::copy(last.payload.begin(), last.payload.end(), datagram.data + kRtpHeaderSize);
  datagram.length = kRtpHeaderSize + last.payload.size();
  return true;
}

void PacketRelay::sendNow(MediaStream& out, const RtpFrame& frame) {
  // What is queued for `out` (this batch's earlier packets) leaves first.
  if (DatagramRing* ring = loop_.datagramRing())
    ring->submit();
  else if (pendingOut_ == &out)
    flush();
  auto& packet = transcodeScratch_->packet;
  std::size_t length = kRtpHeaderSize + frame.payload.size();
  if (length > packet.size()) return;
  writeRtpHeader(packet.data(), frame);
  std::copy(frame.payload.begin(), frame.payload.end(), packet.data() + kRtpHeaderSize);
  sendDirect(out, packet.data(), length, packet.size());
}

// Outside the batch: protected as any packet toward `out`, then one send, counted as relayed.
void PacketRelay::sendDirect(MediaStream& out, std::uint8_t* data, std::size_t length,
                             std::size_t capacity) {
  if (out.secure != nullptr && !out.secure->protect(data, length, capacity, false)) return;
  const PeerAddress& peer = out.latch().peer();
  const ssize_t sent = out.pinned()
                           ? send(out.fd(), data, length, MSG_DONTWAIT)
                           : sendto(out.fd(), data, length, MSG_DONTWAIT,
                                    reinterpret_cast<const sockaddr*>(&peer.storage), peer.length);
  if (sent < 0) {
    ++relayedErrors_;
    return;
  }
  ++relayedPackets_;
  relayedBytes_.add(static_cast<std::uint64_t>(sent));
}

// The party's reports go to its stream's RtcpStats; its sender report, on its way to the partner,
// is noted on the stream that carries it there, to time the partner's echo of it.
void PacketRelay::readRtcp(MediaStream& in, MediaStream* target, const std::uint8_t* data,
                           std::size_t length) {
  RtcpSummary summary;
  if (!parseRtcp(data, length, summary)) return;
  in.rtcpStats().onReports(summary, loop_.now());
  if (summary.hasSenderReport && target != nullptr) {
    target->rtcpStats().noteForwardedSenderReport(summary.ntpMiddle, loop_.now());
  }
}

void PacketRelay::detectDtmf(MediaStream& in, const RtpHeader& header, const Datagram& datagram) {
  DtmfDetector::Detected detected;
  if (!in.telephoneEvents.contains(header.payloadType)) {
    if (auto digit = in.dtmfDetector.onAudio()) detected.digits[detected.count++] = *digit;
  } else {
    std::size_t offset = 0;
    std::size_t payloadLength = 0;
    if (!rtpPayload(datagram.data, datagram.length, offset, payloadLength)) return;
    const auto event = TelephoneEvent::parse(datagram.data + offset, payloadLength);
    if (!event) return;
    detected = in.dtmfDetector.onEvent(
        header.timestamp, *event, in.telephoneEvents.clockRateOf(header.payloadType), loop_.now());
  }
  if (dtmfObserver_ == nullptr) return;
  for (std::uint8_t i = 0; i < detected.count; ++i) {
    dtmfObserver_->onDigit(in, detected.digits[i], datagram.source);
  }
}

void PacketRelay::play(MediaStream& in, std::shared_ptr<const EncodedAudio> audio,
                       unsigned repeat) {
  stopPlaying(in);
  const Duration interval{audio->frameMs == 0 ? 20 : audio->frameMs};
  // The party's stream continues: its SSRC and numbers, or new ones when it has sent nothing.
  MediaPlayer::Continuation from;
  const StreamStats& stats = in.stats();
  if (stats.hasSsrc()) {
    from.ssrc = stats.ssrc();
    from.nextSequence = static_cast<std::uint16_t>(stats.lastSequence() + 1);
    const std::uint32_t step =
        stats.timestampStep() != 0 ? stats.timestampStep() : audio->frameTicks;
    from.nextTimestamp = stats.lastTimestamp() + step;
  } else {
    from.ssrc = static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(&in) >> 4) | 1u;
  }
  in.mediaPlayer.start(std::move(audio), repeat, from);
  in.mediaPlayer.nextAt = loop_.now();
  in.mediaPlayer.interval = interval;
  playTick(in);
}

void PacketRelay::stopPlaying(MediaStream& in) {
  if (in.mediaPlayer.timer != 0) loop_.cancel(in.mediaPlayer.timer);
  in.mediaPlayer.timer = 0;
  in.mediaPlayer.stop();
}

void PacketRelay::playTick(MediaStream& in) {
  MediaPlayer& player = in.mediaPlayer;
  player.timer = 0;
  const std::size_t length = player.writeNext(playBuffer_.data(), playBuffer_.size());
  if (length == 0) {
    player.stop();
    return;
  }
  sendPlayed(in, length);
  // Paced from the start, not from each wake-up, so that a late tick does not delay the rest.
  player.nextAt += player.interval;
  const auto wait = std::chrono::duration_cast<Duration>(player.nextAt - loop_.now());
  player.timer = loop_.start(wait.count() > 0 ? wait : Duration{0}, [this, &in] { playTick(in); });
}

void PacketRelay::sendPlayed(MediaStream& in, std::size_t length) {
  MediaStream* target = in.rtpTarget;
  if (target == nullptr) return;
  MediaStream* out = target->carrier != nullptr ? target->carrier : target;
  if (!out->hasSocket() || !out->latch().peer().valid() || out->latch().peer().port() == 0) return;
  std::uint8_t* data = playBuffer_.data();
  if (out->demux != nullptr) {
    RtpHeader header;
    if (parseRtpHeader(data, length, header)) out->demux->noteOutbound(header.ssrc, target);
  }
  sendDirect(*out, data, length, playBuffer_.size());
}

void PacketRelay::queueSend(MediaStream& out, int index) {
  if (pendingOut_ != &out) flush();
  pendingOut_ = &out;
  Batch& batch = *batch_;
  batch.sendIov[pending_] = {batch.buffers[index].data(), batch.receive[index].msg_len};
  msghdr& message = batch.send[pending_].msg_hdr;
  if (out.pinned()) {
    message.msg_name = nullptr;
    message.msg_namelen = 0;
  } else {
    const PeerAddress& peer = out.latch().peer();
    message.msg_name = const_cast<sockaddr_in6*>(&peer.storage);
    message.msg_namelen = peer.length;
  }
  ++pending_;
}

void PacketRelay::flush() {
  if (pending_ == 0) return;
  auto& messages = batch_->send;
  int done = 0;
  while (done < pending_) {
    const int n =
        sendmmsg(pendingOut_->fd(), messages.data() + done, pending_ - done, MSG_DONTWAIT);
    if (n > 0) {
      std::size_t bytes = 0;
      for (int i = done; i < done + n; ++i) bytes += messages[i].msg_len;
      done += n;
      relayedPackets_.add(static_cast<std::uint64_t>(n));
      relayedBytes_.add(bytes);
      continue;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    if (errno == ECONNREFUSED) {
      // The pinned peer's port closed. This batch's other packets, queued without an address,
      // now fail too: they were for that closed port.
      if (pendingOut_->pinned()) disconnect(*pendingOut_);
    }
    ++done;  // the kernel refused this one message (e.g. unroutable peer): skip it
    ++relayedErrors_;
  }
  relayedErrors_.add(static_cast<std::uint64_t>(pending_ - done));
  pending_ = 0;
  pendingOut_ = nullptr;
}

}  // namespace rtcgate::media
