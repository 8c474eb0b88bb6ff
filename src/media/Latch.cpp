#include "media/Latch.hpp"

namespace rtcgate::media {

void Latch::expect(const PeerAddress& peer, Policy policy) {
  advertised_ = peer;
  peer_ = peer;
  policy_ = policy;
  confirmed_ = false;
  ssrcKnown_ = false;
}

void Latch::lockTo(const PeerAddress& peer) {
  peer_ = peer;
  confirmed_ = true;
  ssrcKnown_ = false;
}

Latch::Verdict Latch::onPacket(const PeerAddress& from, bool acceptable, bool isRtp,
                               std::uint32_t ssrc) {
  if (policy_.asymmetric) return Verdict::Accept;
  if (from == peer_) {
    // The expected (or learned) peer itself: whatever it sends is its business.
    confirmed_ = true;
    if (isRtp && !ssrcKnown_) {
      ssrcKnown_ = true;
      ssrc_ = ssrc;
    }
    return Verdict::Accept;
  }
  if (!acceptable) return Verdict::Reject;
  const bool sameStream = isRtp && ssrcKnown_ && ssrc == ssrc_;
  if (confirmed_ && !sameStream && !policy_.mediaHandover) return Verdict::Reject;
  peer_ = from;
  confirmed_ = true;
  if (isRtp) {
    ssrcKnown_ = true;
    ssrc_ = ssrc;
  }
  return Verdict::Learned;
}

}  // namespace rtcgate::media
