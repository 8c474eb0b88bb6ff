#include "media/packet/Latch.hpp"

namespace rtcgate::media {

void Latch::expect(const PeerAddress& peer, Policy policy, Clock::time_point now) {
  // A refresh of the same SDP keeps the learned peer: a NATed party would otherwise lose the
  // media sent to it for a learning delay at every re-INVITE.
  const bool refresh = peer == advertised_ && peer_.valid();
  advertised_ = peer;
  if (!refresh) peer_ = peer;
  policy_ = policy;
  learnAfter_ = now + policy.learningDelay;
  confirmed_ = false;
  lockedByIce_ = false;
  ssrcKnown_ = false;
}

void Latch::restartLearning(Clock::time_point now) {
  if (!confirmed_) learnAfter_ = now + policy_.learningDelay;
}

void Latch::lockTo(const PeerAddress& peer, bool byIce) {
  peer_ = peer;
  confirmed_ = true;
  lockedByIce_ = byIce;
  ssrcKnown_ = false;
}

bool Latch::advertisedNamed() const {
  return advertised_.valid() && !advertised_.isWildcard() && advertised_.port() != 0;
}

bool Latch::mayLearn(const PeerAddress& from, const Packet& packet, Clock::time_point now) const {
  if (from == advertised_) return true;  // the SDP's own address and port always wins
  if (confirmed_) {
    // Locked: a NAT rebinding continues the stream it replaces; handover takes anything.
    return policy_.mediaHandover || (packet.isRtp && ssrcKnown_ && packet.ssrc == ssrc_);
  }
  return !advertisedNamed() || packet.authenticated || from.sameHost(advertised_) ||
         now >= learnAfter_;
}

Latch::Verdict Latch::learn(const PeerAddress& from, const Packet& packet) {
  peer_ = from;
  confirmed_ = true;
  ssrcKnown_ = false;
  noteSsrc(packet);
  return Verdict::Learned;
}

void Latch::noteSsrc(const Packet& packet) {
  if (!packet.isRtp || ssrcKnown_) return;
  ssrcKnown_ = true;
  ssrc_ = packet.ssrc;
}

Latch::Verdict Latch::onPacket(const PeerAddress& from, const Packet& packet,
                               Clock::time_point now) {
  if (policy_.asymmetric) return Verdict::Accept;
  if (from == peer_) {
    // The expected (or learned) peer itself: whatever it sends is its business.
    confirmed_ = true;
    noteSsrc(packet);
    return Verdict::Accept;
  }
  if (lockedByIce_ || !packet.acceptable) return Verdict::Reject;
  return mayLearn(from, packet, now) ? learn(from, packet) : Verdict::Reject;
}

}  // namespace rtcgate::media
