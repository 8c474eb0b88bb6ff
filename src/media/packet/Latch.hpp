#pragma once

#include <cstdint>

#include "base/Timers.hpp"
#include "media/packet/PeerAddress.hpp"

namespace rtcgate::media {

// Symmetric latching with hijack protection for one local port. The SDP names the peer, and the
// address it names is preferred (rtpengine's "heuristic" learning): a packet from that very
// address and port always latches the port to it, one from the same host but another port (a NAT
// that keeps the address) is learned at once, and one from anywhere else (a NAT that rewrites the
// address) only once the SDP's host has stayed silent for the learning delay after the signal.
// A stranger who sprays the port before the real peer's first packet is therefore dropped, not
// learned; the media keeps going to the SDP address meanwhile. Once latched the port is locked:
// a packet from elsewhere is dropped unless it continues the same RTP stream (same SSRC: the
// peer's NAT binding changed), comes from the SDP's own address and port, or `media-handover`
// was asked for. Learning needs an "acceptable" packet: RTP with a negotiated payload type or
// well-formed RTCP, so junk cannot capture the port; SRTP that passed authentication (only the
// key holder can send it) is learned without the wait. A port an ICE check locked moves only by
// another authenticated check or a new SDP (RFC 8445: media does not choose the pair).
class Latch {
 public:
  enum class Verdict { Accept, Learned, Reject };

  struct Policy {
    bool asymmetric = false;     // never learn: send to the SDP address, accept any source
    bool mediaHandover = false;  // re-learn on any acceptable packet from a new source
    // How long a source on another host than the SDP's waits to be learned, from the signal.
    Duration learningDelay{0};
  };

  // What the packet path knows about one received packet.
  struct Packet {
    bool acceptable = false;     // RTP with a listed payload type, or RTCP
    bool authenticated = false;  // SRTP/SRTCP that passed authentication
    bool isRtp = false;
    std::uint32_t ssrc = 0;
  };

  // A new SDP (offer/answer/re-invite) sets the expected peer and unlocks learning. The same
  // address again (a session refresh) keeps sending to the peer learned for it, which its next
  // packet confirms.
  void expect(const PeerAddress& peer, Policy policy, Clock::time_point now);
  // Another signal of the call (the answer to this party's offer): a port still learning waits
  // its learning delay from now.
  void restartLearning(Clock::time_point now);
  // An authenticated path names the peer: lock to it at once. `byIce`: only ICE (or a new SDP)
  // moves it again.
  void lockTo(const PeerAddress& peer, bool byIce);
  Verdict onPacket(const PeerAddress& from, const Packet& packet, Clock::time_point now);

  const PeerAddress& peer() const { return peer_; }
  const PeerAddress& advertised() const { return advertised_; }
  bool confirmed() const { return confirmed_; }
  // Confirmed and learning nothing but an SSRC continuation: the port takes one peer's packets.
  bool lockedToPeer() const { return confirmed_ && !policy_.asymmetric && !policy_.mediaHandover; }

 private:
  bool advertisedNamed() const;
  bool mayLearn(const PeerAddress& from, const Packet& packet, Clock::time_point now) const;
  Verdict learn(const PeerAddress& from, const Packet& packet);
  void noteSsrc(const Packet& packet);

  PeerAddress peer_;
  PeerAddress advertised_;
  Policy policy_;
  Clock::time_point learnAfter_{};
  bool confirmed_ = false;
  bool lockedByIce_ = false;
  bool ssrcKnown_ = false;
  std::uint32_t ssrc_ = 0;
};

}  // namespace rtcgate::media
