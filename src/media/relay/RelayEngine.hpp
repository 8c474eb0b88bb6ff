#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "media/packet/DtmfObserver.hpp"
#include "media/packet/EventLoop.hpp"
#include "media/packet/PacketRelay.hpp"
#include "media/packet/SharedCounter.hpp"
#include "media/recording/RecordingWriter.hpp"
#include "media/relay/Call.hpp"
#include "media/relay/CallNegotiator.hpp"
#include "media/relay/DtmfListener.hpp"
#include "media/relay/MediaPorts.hpp"
#include "media/relay/RelayOptions.hpp"
#include "ng/NgRequest.hpp"
#include "ng/RelayTotals.hpp"
#include "ng/Value.hpp"

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
  SharedCounter recordingDropped;    // packets the recording queue had no room for
  std::atomic<std::uint64_t> liveSessions{0};        // calls_.size(), for readers on other threads
  std::atomic<std::uint64_t> transcodedSessions{0};  // calls with a Transcoder on a line
};

// The media relay of one worker: the ng commands (ping, offer, answer, delete, query, list,
// statistics) and the call table they act on, with its timers (media timeout, ICE consent,
// `delete delay`). Offer/answer itself is CallNegotiator's; ports come from MediaPorts. Runs on the
// worker's loop thread; every method must be called from that thread
// (RelayService/InProcessMediaControl post there).
class RelayEngine : private DtmfObserver {
 public:
  RelayEngine(EventLoop& loop, const RelayOptions& options);
  ~RelayEngine() override;
  RelayEngine(const RelayEngine&) = delete;
  RelayEngine& operator=(const RelayEngine&) = delete;

  // Runs one request and returns the reply dictionary (result ok/pong/error in rtpengine's layout).
  ng::Value handle(const ng::Value& request);
  ng::Value handle(const ng::NgRequest& request);

  std::size_t callCount() const { return calls_.size(); }
  const PortPool& ports() const { return ports_.pool(); }
  const RelayCounters& counters() const { return counters_; }
  // Counters and sessions now; safe to call from any thread (relaxed atomics, no lock).
  ng::RelayTotals totals() const;
  const PacketRelay& relay() const { return relay_; }
  // Deletes calls idle for longer than the media timeout; runs every second by itself.
  void expireIdleCalls();

 private:
  ng::Value offer(const ng::NgRequest& request);
  ng::Value answer(const ng::NgRequest& request);
  // An error reply naming an interface the request gives that is not configured; a null Value
  // (not a dict) when they are all known.
  ng::Value unknownInterfaceReply(const ng::NgRequest& request) const;
  ng::Value remove(const ng::NgRequest& request);
  ng::Value query(const ng::NgRequest& request) const;
  ng::Value list(const ng::NgRequest& request) const;
  ng::Value statistics() const;
  // rtpengine's `play DTMF`: digits into the call as if the from-tag party sent them (DtmfPlayer).
  ng::Value playDtmf(const ng::NgRequest& request);
  // rtpengine's `play media`: a WAV from relay.media_dir into the call as if the from-tag party
  // sent it (PacketRelay::play); `stop media` ends it. Both answer an error reply or ok.
  ng::Value playMedia(const ng::NgRequest& request);
  ng::Value stopMedia(const ng::NgRequest& request);
  // The party a `play DTMF`/`play media` names by call-id and from-tag (or label), the branch
  // with media when forked; or rtpengine's reason there is none.
  Result<Monologue*> requestedParty(const ng::NgRequest& request);
  // Call recording (media/recording): the from-tag party's audio and its partner's into a file
  // the RecordingWriter's thread writes; `delete` of the call stops it too.
  ng::Value startRecording(const ng::NgRequest& request);
  ng::Value stopRecording(const ng::NgRequest& request);
  Result<std::string, RecordingError> startRecording(Call& call, const ng::NgRequest& request);
  // Untaps the streams and queues the recording's stop; false when the queue had no room (the
  // writer then closes it when the engine goes).
  bool stopRecording(Call& call);
  // Stops the call's recording when `party` is one of the recorded pair (its streams go).
  void stopRecordingOf(Call& call, const Monologue& party);
  // offer/answer with `record call: yes`: starts the recording if none runs yet.
  void recordIfAsked(Call& call, const ng::NgRequest& request, ng::Value& reply);
  std::int64_t nowMicros() const;

  void checkIceConsent();
  // DTMF: a digit the packet path found, digits whose end packets were all lost (once a second),
  // and the listeners they go to (options' dtmfListener, the relay.dtmf_log_dest sender).
  void onDigit(MediaStream& stream, const DtmfDetector::Digit& digit,
               const PeerAddress& source) override;
  void expireDigits();
  void reportDigit(const Call& call, const Monologue& party, const CallMedia& media,
                   const DtmfDetector::Digit& digit, const PeerAddress& source);
  void countFailures(CallMedia& media);
  // The live and transcoded call gauges, after calls_ or an answer changed (a walk over the
  // calls: the control path's, never the packet path's).
  void sessionsChanged();
  void destroyParty(Monologue& party);
  void destroyCall(const std::string& callId);
  Monologue* findOfferer(Call& call, const ng::NgRequest& request);
  Monologue* findAnswered(Call& call, const ng::NgRequest& request);
  std::pair<Monologue*, Monologue*> createPair(Call& call, const ng::NgRequest& request);
  void scheduleExpiry();
  // The call's statistics into `reply` (rtpengine's query/delete layout), timestamps in wall time.
  void report(const Call& call, ng::Value& reply) const;

  EventLoop& loop_;
  RelayOptions options_;
  PacketRelay relay_;
  MediaPorts ports_;
  CallNegotiator negotiator_;
  std::unordered_map<std::string, std::unique_ptr<Call>> calls_;
  RelayCounters counters_;
  Clock::time_point started_;
  Timers::Id expiryTimer_ = 0;
  std::vector<Timers::Id> delayedDeletes_;  // `delete delay` timers, cancelled with the engine
  std::unique_ptr<DtmfListener> dtmfLog_;   // relay.dtmf_log_dest, when configured
  // Made with the first recording (its thread and queue cost nothing before). Declared last:
  // destroyed first, after the destructor has stopped every call's recording.
  std::unique_ptr<RecordingWriter> recordingWriter_;
};

}  // namespace rtcgate::media
