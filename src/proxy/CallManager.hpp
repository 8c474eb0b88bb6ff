#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/Timers.hpp"
#include "mediacontrol/MediaControl.hpp"
#include "proxy/CallObserver.hpp"
#include "proxy/DialogTracker.hpp"
#include "proxy/LocalIdentity.hpp"
#include "proxy/MediaAnchor.hpp"
#include "proxy/MediaPolicy.hpp"
#include "proxy/ProxyTransaction.hpp"
#include "proxy/UacRequest.hpp"
#include "transaction/TransactionLayer.hpp"

namespace rtcgate::proxy {

struct CallManagerOptions {
  MediaPolicyOptions media;
  // A call is ended (BYE to both sides) after dialogTimeout, and when its media stops for
  // mediaTimeout (asked of the relay every sweepInterval); zero disables the check.
  Duration dialogTimeout = std::chrono::hours(12);
  Duration mediaTimeout = std::chrono::seconds(60);
  Duration sweepInterval = std::chrono::seconds(5);
  DtmfMode dtmf = DtmfMode::Auto;  // calls.dtmf: how digits reach a side no route sets it for
};

// What the forwarding does at a hook point: go on now, or wait until the call layer resumes it
// (its relay is rewriting the SDP).
enum class HookResult { Continue, Hold };

// The calls the proxy carries (one Dialog per call) and their media: which legs go through the
// relay, the offer and answer of every SDP that passes, what each call goes through (its
// CallObservers hear it), and the calls ended from our side (hang-up, dialog and media timeouts,
// BYE to both ends). The proxy's forwarding reaches it at fixed points: a request it starts
// proxying (planMedia, trackRequest), a branch about to leave (beforeBranch), a response about to
// go upstream (trackResponse, beforeUpstream) and the ACK of a 2xx (beforeAck). The proxy keeps
// the ordering rules (responses leave upstream in the order they came, whoever holds one); this
// class keeps the call state. Single-threaded, on the signalling loop.
class CallManager {
 public:
  // What the call layer needs from the forwarding above it.
  class Delegate {
   public:
    virtual ~Delegate() = default;
    // Cancels the INVITE of a call that is not answered yet (its 487 then ends the call), noting
    // `reason` as the call's end reason; false when no INVITE of it is out.
    virtual bool cancelUnanswered(Dialog& dialog, const std::string& reason) = 0;
    // The call is about to end: whatever else the proxy keeps for it goes.
    virtual void callEnding(const Dialog& dialog) = 0;
  };
  // A hold is resumed with the relay's SDP, or why there is none.
  using Resume = MediaAnchor::SdpDone;

  CallManager(CallManagerOptions options, Delegate& delegate, Timers& timers,
              const LocalIdentity& identity, transaction::TransactionLayer& transactions);
  ~CallManager();
  CallManager(const CallManager&) = delete;
  CallManager& operator=(const CallManager&) = delete;

  // The relay media is anchored with (nullptr: SDP passes untouched); its replies must arrive on
  // the signalling loop. Starts the sweep of dialog and media timeouts.
  void setMediaControl(mediacontrol::MediaControl* control);
  MediaAnchor* media() { return media_.get(); }
  bool hasMedia() const { return media_ != nullptr; }
  const MediaAnchorStats* mediaStats() const { return media_ ? &media_->stats() : nullptr; }
  const MediaPolicy& policy() const { return mediaPolicy_; }
  DtmfMode defaultDtmf() const { return options_.dtmf; }
  DialogTracker& dialogs() { return dialogs_; }
  const DialogTracker& dialogs() const { return dialogs_; }
  Dialog* dialogOf(const sip::SipMessage& message) { return dialogs_.find(message.callId()); }
  // Observers hear every call event in the order they were added; they must outlive us.
  void addObserver(CallObserver& observer) { observers_.push_back(&observer); }
  void callEvent(CallEvent event, const Dialog& dialog);
  void dtmfEvent(const Dialog& dialog, const DtmfDigit& digit);
  void recordingEvent(const Dialog& dialog, const RecordingChange& change);
  void transferEvent(const Dialog& dialog, const TransferUpdate& update);

  // ---- hook points of the forwarding
  // A request the proxy starts proxying: what its SDP is to the relay (ProxyTransaction's
  // mediaRole and sourceLeg), and what it does to its call (a new call, a BYE, a hold).
  void planMedia(ProxyTransaction& pt);
  void trackRequest(ProxyTransaction& pt);
  // Whether a branch toward `transport` goes through the relay, and the leg it is on;
  // `configured` is the media profile its route sets, if any.
  bool anchorsBranch(const ProxyTransaction& pt, sip::Transport transport,
                     std::optional<MediaLeg> configured, MediaLeg& leg);
  // The relay interface of an anchored branch's leg: the dialog's for an in-dialog request, else
  // `routeInterface` (the one its route or trunk names; "" = the relay's default).
  std::string branchInterface(const ProxyTransaction& pt, std::string routeInterface);
  // Before an anchored branch with an offer leaves: Hold, and `resume` gets the relay's SDP to
  // send instead.
  HookResult beforeBranch(ProxyTransaction& pt, std::size_t index, Resume resume);
  // Before a response goes upstream: Hold when the relay must rewrite its SDP first; `resume`
  // gets it. The proxy holds every later response of the transaction until then.
  HookResult beforeUpstream(ProxyTransaction& pt, std::size_t branch,
                            const sip::SipMessage& response, Resume resume);
  // Dialog state from a provisional or 2xx response to the INVITE that started a call.
  void trackResponse(ProxyTransaction& pt, std::size_t branch, const sip::SipMessage& response);
  // The ACK of a late offer carries the answer: Hold, the ACK is taken, and `resume` gets it back
  // with the relay's SDP (or its own, when the relay failed).
  using AckResume = std::function<void(sip::SipMessage&& ack)>;
  HookResult beforeAck(sip::SipMessage& ack, AckResume resume);
  // A branch that failed or was cancelled gives its relay ports back.
  void releaseBranchMedia(const ProxyTransaction& pt, std::size_t branch);

  // ---- ending calls
  void endDialog(Dialog& dialog, std::string reason, int code);
  // Ends a call from our side: BYE to both ends (or CANCEL/487 before answer), media released.
  bool hangup(std::uint64_t dialogId, const std::string& reason);
  // A BYE of our own to one side, as if the other side had sent it.
  void sendBye(Dialog& dialog, DialogSide& to, DialogSide& from);

  // ---- our own requests inside a call
  // A request from us to `to`: in `from`'s name, taking the next CSeq of `from`'s sequence as
  // `to` sees it; toward a side we called ourselves (an originated call), in our own.
  static UacRequest requestToward(Dialog& dialog, DialogSide& to, DialogSide& from,
                                  std::string_view method);
  // How far a side's requests are renumbered on their way to the other side: past the requests
  // we sent in its name.
  std::uint32_t cseqShiftOf(const sip::SipMessage& request) const;

 private:
  SdpExchange exchangeFor(const ProxyTransaction& pt, std::size_t branch) const;
  void openDialog(ProxyTransaction& pt);
  void learnRouteSets(Dialog& dialog, const sip::SipMessage& response) const;
  void releaseUnknownCallMedia(const sip::SipMessage& bye);
  void sweep();
  void checkMedia(std::uint64_t dialogId, const std::string& callId);

  CallManagerOptions options_;
  Delegate& delegate_;
  Timers& timers_;
  const LocalIdentity& identity_;
  transaction::TransactionLayer& transactions_;
  MediaPolicy mediaPolicy_;
  std::unique_ptr<MediaAnchor> media_;
  DialogTracker dialogs_{timers_};
  std::vector<CallObserver*> observers_;
  Timers::Id sweepTimer_ = 0;
};

}  // namespace rtcgate::proxy
