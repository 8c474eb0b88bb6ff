#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "media/packet/EventLoop.hpp"
#include "media/packet/PacketRelay.hpp"
#include "media/packet/SharedCounter.hpp"
#include "media/relay/Call.hpp"
#include "media/relay/PortPool.hpp"
#include "media/relay/RelayOptions.hpp"
#include "media/webrtc/DtlsIdentity.hpp"
#include "ng/NgRequest.hpp"
#include "ng/RelayTotals.hpp"
#include "ng/Value.hpp"
#include "sdp/SdpRewriter.hpp"
#include "sdp/SessionDescription.hpp"

namespace rtcgate::media {

// Relay-wide counters for the ng `statistics` reply and for /metrics. Written on the worker's
// thread; readable from any thread (RelayService::totals()).
struct RelayCounters {
  SharedCounter managedSessions;
  SharedCounter rejectedSessions;
  SharedCounter timeoutSessions;
  SharedCounter regularTerminated;
  SharedCounter iceConsentFailures;  // WebRTC streams marked dead (RFC 7675)
  SharedCounter dtlsFailures;        // DTLS handshakes that failed (counted once per transport)
  SharedCounter lostPackets;         // sequence-gap loss of the streams of deleted parties
  std::atomic<std::uint64_t> liveSessions{0};  // calls_.size(), for readers on other threads
};

// The media relay of one worker: calls, their parties and ports, and the ng commands that drive
// them (ping, offer, answer, delete, query, list, statistics). Runs on the worker's loop thread;
// every method must be called from that thread (RelayService/InProcessMediaControl post there).
class RelayEngine {
 public:
  RelayEngine(EventLoop& loop, const RelayOptions& options);
  ~RelayEngine();
  RelayEngine(const RelayEngine&) = delete;
  RelayEngine& operator=(const RelayEngine&) = delete;

  // Runs one request and returns the reply dictionary (result ok/pong/error in rtpengine's layout).
  ng::Value handle(const ng::Value& request);
  ng::Value handle(const ng::NgRequest& request);

  std::size_t callCount() const { return calls_.size(); }
  const PortPool& ports() const { return pool_; }
  const RelayCounters& counters() const { return counters_; }
  // Counters and sessions now; safe to call from any thread (relaxed atomics, no lock).
  ng::RelayTotals totals() const;
  const PacketRelay& relay() const { return relay_; }
  // Deletes calls idle for longer than the media timeout; runs every second by itself.
  void expireIdleCalls();

 private:
  ng::Value offer(const ng::NgRequest& request);
  ng::Value answer(const ng::NgRequest& request);
  ng::Value remove(const ng::NgRequest& request);
  ng::Value query(const ng::NgRequest& request) const;
  ng::Value list(const ng::NgRequest& request) const;
  ng::Value statistics() const;

  // Applies `sender`'s SDP and returns it rewritten for `recipient`, or an ng error reason.
  Result<std::string> negotiate(Monologue& sender, Monologue& recipient,
                                const ng::NgRequest& request, bool isOffer);
  Result<bool> ensureMedia(Monologue& party, std::size_t count, bool singlePort);
  Result<bool> openMedia(CallMedia& media, bool singlePort);
  void restartLearning(CallMedia& media);
  void applyPeer(CallMedia& media, const sdp::SessionDescription& description, std::size_t index,
                 const ng::NgRequest& request);
  void wire(CallMedia& a, CallMedia& b);
  // BUNDLE (RFC 8843): which of a party's lines share one transport, and the demultiplexing of
  // that transport. `description` is the party's own SDP (null for our offer to it).
  static CallMedia* bundleOwner(Monologue& party);
  static void dissolveSmallBundle(Monologue& party);
  static void markSenderBundle(Monologue& sender, const sdp::SessionDescription& description);
  static void markRecipientBundle(Monologue& sender, Monologue& recipient,
                                  const sdp::SessionDescription& description,
                                  const ng::NgRequest& request, sdp::IceAction ice);
  static void configureBundle(Monologue& party, const sdp::SessionDescription* description);
  // A bundle's other lines give their ports back; a line that left its bundle gets its own again.
  Result<bool> settleBundlePorts(Monologue& party);
  Result<bool> reopenMedia(CallMedia& media);
  // ICE/DTLS/SDES for one section: the sender's transport from its SDP, ours into `media`.
  Result<bool> secure(Monologue& sender, Monologue& recipient, CallMedia& in, CallMedia& out,
                      const sdp::SessionDescription& description, std::size_t index,
                      const ng::NgRequest& request, sdp::RewritePlan& plan, sdp::MediaPlan& media);
  void ensureIceCredentials(Monologue& party);
  void checkIceConsent();
  void countFailures(CallMedia& media);
  void sessionsChanged() { counters_.liveSessions.store(calls_.size(), std::memory_order_relaxed); }
  void destroyParty(Monologue& party);
  void destroyCall(const std::string& callId);
  Monologue* findOfferer(Call& call, const ng::NgRequest& request);
  Monologue* findAnswered(Call& call, const ng::NgRequest& request);
  std::pair<Monologue*, Monologue*> createPair(Call& call, const ng::NgRequest& request);
  void scheduleExpiry();

  EventLoop& loop_;
  RelayOptions options_;
  PortPool pool_;
  PacketRelay relay_;
  PeerAddress bindAddress_;
  std::string advertise_;
  bool advertiseV6_ = false;
  std::unordered_map<std::string, std::unique_ptr<Call>> calls_;
  RelayCounters counters_;
  Clock::time_point started_;
  Timers::Id expiryTimer_ = 0;
  std::vector<Timers::Id> delayedDeletes_;
  std::shared_ptr<const DtlsIdentity>
      dtlsIdentity_;  // null when it could not be created  // `delete delay` timers, cancelled with
                      // the engine
};

}  // namespace rtcgate::media
