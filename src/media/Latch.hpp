#pragma once

#include <cstdint>

#include "media/PeerAddress.hpp"

namespace rtcgate::media {

// Symmetric latching with hijack protection for one local port. The SDP gives an expected peer;
// behind NAT the real source differs, so the first acceptable packet teaches us the real address
// ("latching"). After that the port is locked to it: a packet from elsewhere is dropped unless it
// continues the same RTP stream (same SSRC: the peer's NAT binding changed) or `media-handover`
// was asked for. Learning needs an "acceptable" packet: RTP with a negotiated payload type or
// well-formed RTCP, so a stranger spraying junk at the port cannot capture it. Packets from the
// expected address itself are always taken (peers do send payload types they did not list).
class Latch {
 public:
  enum class Verdict { Accept, Learned, Reject };

  struct Policy {
    bool asymmetric = false;     // never learn: send to the SDP address, accept any source
    bool mediaHandover = false;  // re-learn on any acceptable packet from a new source
  };

  // A new SDP (offer/answer/re-invite) sets the expected peer and unlocks learning.
  void expect(const PeerAddress& peer, Policy policy);
  // An authenticated path (ICE check, DTLS handshake) names the peer: lock to it at once.
  void lockTo(const PeerAddress& peer);
  Verdict onPacket(const PeerAddress& from, bool acceptable, bool isRtp, std::uint32_t ssrc);

  const PeerAddress& peer() const { return peer_; }
  const PeerAddress& advertised() const { return advertised_; }
  bool confirmed() const { return confirmed_; }
  // Confirmed and learning nothing but an SSRC continuation: the port takes one peer's packets.
  bool lockedToPeer() const { return confirmed_ && !policy_.asymmetric && !policy_.mediaHandover; }

 private:
  PeerAddress peer_;
  PeerAddress advertised_;
  Policy policy_;
  bool confirmed_ = false;
  bool ssrcKnown_ = false;
  std::uint32_t ssrc_ = 0;
};

}  // namespace rtcgate::media
