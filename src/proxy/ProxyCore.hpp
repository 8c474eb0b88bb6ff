#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/LogThrottle.hpp"
#include "base/Timers.hpp"
#include "proxy/AuthBans.hpp"
#include "proxy/CallManager.hpp"
#include "proxy/CallOriginator.hpp"
#include "proxy/CallTransfers.hpp"
#include "proxy/DestinationProber.hpp"
#include "proxy/DialogTracker.hpp"
#include "proxy/DigestAuthenticator.hpp"
#include "proxy/DtmfInfoSender.hpp"
#include "proxy/FlowToken.hpp"
#include "proxy/KeepAlivePinger.hpp"
#include "proxy/LocalIdentity.hpp"
#include "proxy/LocationService.hpp"
#include "proxy/MediaAnchor.hpp"
#include "proxy/MediaPolicy.hpp"
#include "proxy/NonceManager.hpp"
#include "proxy/ProxyStats.hpp"
#include "proxy/ProxyTransaction.hpp"
#include "proxy/ReconnectGrace.hpp"
#include "proxy/Registrar.hpp"
#include "proxy/Renegotiation.hpp"
#include "proxy/SessionTimers.hpp"
#include "proxy/StaticRoutes.hpp"
#include "proxy/TargetResolver.hpp"
#include "proxy/Trunks.hpp"
#include "proxy/UacRequest.hpp"
#include "store/Store.hpp"
#include "transaction/TransactionLayer.hpp"

namespace rtcgate::proxy {

struct ProxyOptions {
  std::vector<std::string> domains{"localhost"};
  std::vector<LocalListener> listeners;
  bool auth = true;
  // Requests to a Request-URI or preloaded Route that no route and no local user accounts for
  // (sip:+1900...@<some address>) are refused with 403 unless this is set (sip.allow_direct_uri).
  bool allowDirectUri = false;
  // The key of the Record-Route tokens (sip.token_secret_file); unset: random per process.
  std::optional<FlowToken::Key> tokenKey;
  // Digest algorithms offered, in this order, to UDP/TCP/TLS clients (sipp and many phones
  // answer only the first challenge) and to WS/WSS clients (JsSIP and SIP.js answer only the
  // last); credentials must use an algorithm offered on their transport.
  std::vector<sip::DigestAlgorithm> authAlgorithmsSip{sip::DigestAlgorithm::Md5,
                                                      sip::DigestAlgorithm::Sha256};
  std::vector<sip::DigestAlgorithm> authAlgorithmsWs{sip::DigestAlgorithm::Sha256,
                                                     sip::DigestAlgorithm::Md5};
  Duration timerC = std::chrono::minutes(3);
  Duration nonceLifetime = std::chrono::seconds(300);
  RegistrarOptions registrar;
  AuthBanOptions authBans;
  // Past these, new requests get 503 with Retry-After (security.max_transactions,
  // security.max_dialogs): a flood cannot grow our state without bound.
  std::size_t maxTransactions = 20000;
  std::size_t maxDialogs = 20000;
  // Calls in progress from one unauthenticated source address (each rings a user and holds relay
  // ports); past it INVITEs get 503 (security.max_unauthenticated_calls_per_source). 0: no limit.
  std::size_t maxStrangerCallsPerSource = 100;
  transaction::TimerValues timers;
  MediaPolicyOptions media;
  // A call is ended (BYE to both sides) after this long, and when its media stops for
  // mediaTimeout (checked through the relay); zero disables the check.
  Duration dialogTimeout = std::chrono::hours(12);
  Duration mediaTimeout = std::chrono::seconds(60);
  Duration dialogSweepInterval = std::chrono::seconds(5);
  DtmfMode dtmf = DtmfMode::Auto;  // calls.dtmf
  // A call whose browser's WebSocket closed is kept this long for the browser to come back
  // (the same +sip.instance and reg-id registering on a new connection): calls.reconnect_grace.
  // Zero: such calls end when the connection closes.
  Duration reconnectGrace = std::chrono::seconds(20);
  // RFC 4028 session timers (calls.min_session_expires, calls.session_expires).
  SessionTimerOptions sessionTimers;
  // Pings to UDP contacts behind NAT (nat.keepalive); off by default here, on in the config.
  KeepAliveOptions keepAlive;
  // A branch that has another destination or route target to try gives up on one that sent
  // nothing at all within this (sip.failover_timeout); zero waits for Timer B.
  Duration failoverTimeout = std::chrono::seconds(5);
  // How long a destination that timed out or refused us is tried last (dns.blacklist_seconds).
  Duration blacklistFor = std::chrono::seconds(60);
  // Carriers and PBXs (`trunks:`), which routes may name.
  std::vector<Trunk> trunks;
};

// The stateful proxy and registrar (RFC 3261 16, 10): the transaction user that decides, for each
// request, whether to answer it (registrar, OPTIONS ping, errors), challenge it (digest), or
// forward it -- to the contacts of a local user (parallel forking), along a static route (serial
// failover), or along its Route set in a dialog -- and which response goes back upstream.
// The calls it carries live in its CallManager (dialogs, media, hang-up), which the forwarding
// reaches at the hook points in ProxyCallHooks.cpp; calls placed through the API in its
// CallOriginator. Single-threaded, on the signalling loop; no I/O of its own: bytes go out through
// `send`.
class ProxyCore : public transaction::TransactionUser,
                  private CallOriginator::Delegate,
                  private CallManager::Delegate {
 public:
  ProxyCore(ProxyOptions options, Timers& timers, transaction::SendFunction send,
            store::Store& store, LocationService& location, StaticRoutes routes);
  ~ProxyCore() override;

  // The transaction layer this proxy is the user of: a transaction::SipIngress in front of it
  // feeds it what the transports receive (app::Gateway wires the two), so the proxy never sees
  // bytes, only parsed messages through its TransactionUser callbacks.
  transaction::TransactionLayer& transactions() { return transactions_; }

  // Entry points from the transports.
  void onConnectionClosed(std::uint64_t connectionId);
  // A connection we opened failed before it was established: the requests sent over it fail
  // now (503 for their branch) rather than after 32 s.
  void onConnectFailed(const sip::Flow& flow) { transactions_.connectionFailed(flow); }
  // Whether a connection carries a call or a registration: then it is not closed for idleness.
  bool connectionInUse(std::uint64_t connectionId) const {
    return calls_.dialogs().carriesCalls(connectionId) || location_.carriesBindings(connectionId);
  }
  // Start-up: the registrations the store kept from the previous process. Returns how many.
  std::size_t restoreRegistrations();

  // How the transports describe one of their open connections (for flow tokens); nullopt when
  // the connection is gone.
  using ConnectionLookup = std::function<std::optional<sip::Flow>(std::uint64_t connectionId)>;
  void setConnectionLookup(ConnectionLookup lookup) { connectionFlow_ = std::move(lookup); }

  // The relay the proxy anchors media with (nullptr: SDP passes through untouched). Its replies
  // must arrive on the signalling loop (see mediacontrol::LoopMediaControl).
  void setMediaControl(mediacontrol::MediaControl* control) { calls_.setMediaControl(control); }
  // DNS for targets that are names (RFC 3263), and the destinations that failed lately (tried
  // last); without them, every target must be an IP address.
  void setServerLocation(dns::SipServerLocator* locator, dns::DestinationBlacklist* blacklist) {
    resolver_.setLocator(locator);
    blacklist_ = blacklist;
  }
  const TargetResolver& targetResolver() const { return resolver_; }
  void setServerNameHint(TargetResolver::ServerNameHint hint) {
    resolver_.setServerNameHint(std::move(hint));
  }
  const MediaAnchorStats* mediaStats() const { return calls_.mediaStats(); }

  // Calls in progress: their dialogs, their observers (CDRs, events, metrics), hang-up.
  CallManager& calls() { return calls_; }
  DialogTracker& dialogs() { return calls_.dialogs(); }
  // Ends a call from our side: BYE to both ends (or CANCEL/487 before answer), media released.
  bool hangup(std::uint64_t dialogId, const std::string& reason) {
    return calls_.hangup(dialogId, reason);
  }

  // Moves an answered call whose relay died to another relay (the relay pool places it anew):
  // a re-INVITE to each side with the new relay's SDP. False when it cannot (not answered, not
  // through a relay, a side's SDP unknown, moving already): the caller then ends it. A move that
  // fails later ends the call itself, as "relay-lost".
  bool moveToAnotherRelay(std::uint64_t dialogId);
  // Puts an answered call through the relay on hold (`held`) or takes it off hold: a re-INVITE to
  // each side, the callee first, offering the other side's SDP with every stream inactive (or
  // sending and receiving again). Started: call.held / call.resumed follow once both answered.
  enum class HoldOutcome { Started, NoSuchCall, NotPossible, Busy, Unchanged };
  HoldOutcome hold(std::uint64_t dialogId, bool held);

  // Digits (ProxyDtmf.cpp). A digit the embedded relay saw party `fromTag` send as RFC 4733
  // events: reported to the call's observers and, toward a side that takes no events, sent on as
  // SIP INFO.
  void relayDigit(std::string_view callId, std::string_view fromTag, char digit,
                  std::uint32_t durationMs, int volume);
  // Digits sent into an answered call through the API, toward its caller or callee: RFC 4733
  // events played by the relay where that side negotiated telephone-event (and takes events),
  // SIP INFO otherwise. `done` gets how they went (null: they could not be sent, with why).
  struct DigitsSent {
    DtmfDigit::Delivery as = DtmfDigit::Delivery::NotDelivered;
    std::string warning;  // the relay's, e.g. that the party sends no audio to carry them
  };
  using DigitsDone = std::function<void(Result<DigitsSent, std::string>)>;
  enum class DigitsRefusal { None, NoSuchCall, NotAnswered };
  DigitsRefusal sendDigits(std::uint64_t dialogId, bool toCaller, const std::string& digits,
                           std::uint32_t durationMs, DigitsDone done);

  // Recording (ProxyRecording.cpp): the relay records an answered call through it, both
  // directions (`format` wav or pcap; `mix` stereo, the caller on the left, or mono) until
  // stopRecording or the call's end. `done` gets the change (call.recording follows) or why not.
  struct RecordingRequest {
    std::string format = "wav";
    std::string mix = "stereo";
  };
  using RecordingDone = std::function<void(Result<RecordingChange, std::string>)>;
  enum class RecordingRefusal { None, NoSuchCall, NotPossible, Already, NotRecording };
  RecordingRefusal startRecording(std::uint64_t dialogId, const RecordingRequest& request,
                                  RecordingDone done);
  RecordingRefusal stopRecording(std::uint64_t dialogId, RecordingDone done);

  // Blind transfer (ProxyTransfer.cpp): a REFER asks the caller (transfereeIsCaller) or the callee
  // of an answered call to call `target` (a SIP URI); call.transfer events follow its progress,
  // and once the target answered, the call ends ("transferred"). NotSent and BadReplaces come
  // with `why`.
  enum class TransferRefusal { None, NoSuchCall, NotAnswered, Busy, NotSent, BadReplaces };
  TransferRefusal transfer(std::uint64_t dialogId, bool transfereeIsCaller,
                           const std::string& target, std::string& why);
  // Attended transfer: the transferor (the transferee's other party) also has answered call
  // `replacesId` with the target; the transferee is asked to call the target with a Replaces of
  // that call's dialog (RFC 3891), so the target swaps the transferor for the transferee. Which
  // party of that call is the target: `targetIsCallee` when given, else the one that is not the
  // transferor (by URI).
  TransferRefusal transferReplacing(std::uint64_t dialogId, bool transfereeIsCaller,
                                    std::uint64_t replacesId, std::optional<bool> targetIsCallee,
                                    std::string& why);

  // Places a call (RFC 3725 third-party call control): `from` is rung first and, once it
  // answers, `to`; the two are bridged through the relay when their media differ. Parties are
  // user names, numbers or SIP URIs, routed as an INVITE to them would be. The id is the call's
  // in dialogs(); what happens next shows in its events.
  Result<std::uint64_t, OriginateError> originate(const std::string& from, const std::string& to) {
    return originator_.originate(from, to);
  }

  // Starts the trunks' registrations and the OPTIONS probes of trunks and routes (after
  // setServerLocation, for targets known by name); the callbacks hear when a registration or a
  // probed destination comes up or goes down.
  void startTrunks(TrunkRegistration::Changed registration, DestinationProber::Changed probe);
  const Trunks& trunks() const { return trunks_; }
  const DestinationProber& prober() const { return prober_; }

  // Reload: new requests use these routes (and their targets are probed as they say).
  void setRoutes(StaticRoutes routes);

  const ProxyStats& stats() const { return stats_; }
  const KeepAlivePinger::Stats& keepAliveStats() const { return pinger_.stats(); }
  std::size_t sessionTimersRunning() const { return sessionTimers_.active(); }
  // Sources banned for failed credentials (GET/DELETE /api/v1/bans).
  AuthBans& authBans() { return authBans_; }
  Clock::time_point now() const { return timers_.now(); }
  WallSeconds wallNow() const { return wallSeconds(timers_.wallNow()); }
  transaction::TransactionStats transactionStats() const { return transactions_.stats(); }
  std::size_t liveProxyTransactions() const { return byServerTx_.size(); }

  // TransactionUser
  void onRequest(transaction::TransactionId serverTx, sip::SipMessage&& request,
                 const sip::Flow& flow) override;
  void onAck(sip::SipMessage&& ack, const sip::Flow& flow) override;
  void onCancel(transaction::TransactionId cancelTx, transaction::TransactionId inviteTx,
                sip::SipMessage&& cancel, const sip::Flow& flow) override;
  void onResponse(transaction::TransactionId clientTx, sip::SipMessage&& response,
                  const sip::Flow& flow) override;
  void onStrayResponse(sip::SipMessage&& response, const sip::Flow& flow) override;
  void onTimeout(transaction::TransactionId clientTx) override;
  void onTransportError(transaction::TransactionId clientTx) override;
  void onTerminated(transaction::TransactionId tx, std::uint64_t userData) override;

 private:
  // What the Route set of a request said once our own entries were taken off.
  struct RouteInfo {
    bool poppedOurs = false;
    bool dialogToken = false;  // a popped entry carried a token we issued for this Call-ID
    bool badToken = false;     // a popped entry carried a token that is not
    std::optional<std::uint64_t> flowConnection;  // from the last flow token we popped
  };
  // Where a branch goes and what it carries.
  struct Target {
    std::string requestUri;
    sip::Flow flow;
    std::vector<std::string> routes;  // Route headers to add (Path of a registration)
    std::vector<std::string> failover;
    std::vector<sip::Flow> alternates;  // RFC 3263: the next hop's other destinations, in order
    // A next hop whose host is a name: `flow` is found through DNS before the branch goes out.
    std::string locate;
    std::shared_ptr<const Trunk> trunk;  // the branch goes to this trunk
    std::string dialled;                 // the number a route sends its targets (strip, prefix)
    std::string authorization;           // answers the trunk's challenge, in authorizationHeader
    sip::HeaderId authorizationHeader = sip::HeaderId::Authorization;
    int challengesAnswered = 0;
  };

  // Every response we send on a server transaction goes through here (counted by class).
  bool respond(transaction::TransactionId serverTx, sip::SipMessage&& response) override;
  void answer(transaction::TransactionId serverTx, const sip::SipMessage& request, int status,
              std::string_view reason);

  bool checkRequest(transaction::TransactionId serverTx, const sip::SipMessage& request);
  bool hasRoomFor(transaction::TransactionId serverTx, const sip::SipMessage& request);
  bool isLoop(const sip::SipMessage& request) const;
  std::string loopHash(const sip::SipMessage& request) const;
  RouteInfo popOurRoutes(sip::SipMessage& request);
  void takeToken(RouteInfo& info, std::string_view token, std::string_view callId) const;
  bool belongsToDialog(const sip::SipMessage& request, const sip::Flow& flow,
                       const RouteInfo& route, const Dialog* dialog) const;
  bool passOffer(transaction::TransactionId serverTx, const sip::SipMessage& request,
                 Dialog& dialog, DialogSide& offerer) override;
  void refuseInDialog(transaction::TransactionId serverTx, const sip::SipMessage& request,
                      const sip::Flow& flow, const RouteInfo& route);
  void refuseInDialog(transaction::TransactionId serverTx, const sip::SipMessage& request,
                      const sip::Flow& flow) override {
    refuseInDialog(serverTx, request, flow, RouteInfo{});
  }
  void handleRegister(transaction::TransactionId serverTx, sip::SipMessage&& request,
                      const sip::Flow& flow);
  bool authorize(transaction::TransactionId serverTx, const sip::SipMessage& request,
                 const sip::Flow& flow, bool registrar, std::string_view realm,
                 std::string_view expectedUser);
  bool authFailed(const sip::Flow& flow, const std::string& source, const sip::SipMessage& request,
                  std::string_view user, std::string_view realm, std::string_view why);
  static void consumeCredentials(sip::SipMessage& request, std::string_view realm);
  void routeInDialog(transaction::TransactionId serverTx, sip::SipMessage&& request,
                     const sip::Flow& flow, const RouteInfo& route);
  void routeInitial(transaction::TransactionId serverTx, sip::SipMessage&& request,
                    const sip::Flow& flow);
  // Where a registration or one side of a call can be reached once its connection is gone: a
  // new connection to its first Route/Path or its Contact (RFC 3261 18.1.1); nullopt for the
  // flows only that connection could reach (RFC 5626 outbound, WebSocket, `.invalid`).
  LocationService::Reconnect reconnector() const;
  std::optional<sip::Flow> reconnectFlow(const Binding& binding) const;
  std::optional<sip::Flow> reconnectFlow(const DialogSide& side) const;
  std::optional<sip::Flow> flowToward(std::string_view uri, const sip::Flow& was) const;
  using Registered = std::vector<std::pair<std::string, Binding>>;
  void connectionLost(Dialog& dialog, std::uint64_t connectionId, const Registered& registered);
  void endForLostConnection(Dialog& dialog, std::uint64_t connectionId);
  // WebSocket reconnects (calls.reconnect_grace).
  bool awaitReconnect(Dialog& dialog, const DialogSide& side, std::uint64_t connectionId,
                      const Registered& registered);
  void reconnectGraceOver(std::uint64_t dialogId);
  Registered previousFlows(std::string_view aor, const sip::Flow& flow) const;
  void resumeCalls(std::string_view aor, const sip::Flow& flow, const Registered& previous);
  void rebind(std::uint64_t dialogId, std::uint64_t oldConnection, const sip::Flow& flow);
  std::optional<sip::Flow> dialogFlowToward(const sip::SipMessage& request,
                                            std::uint64_t tokenConnection) const;
  std::optional<Target> nextHopTarget(const sip::SipMessage& request, const RouteInfo& route,
                                      const char*& why) const;
  std::vector<Target> locationTargets(std::string_view aor) const;
  bool followRoute(transaction::TransactionId serverTx, sip::SipMessage& request,
                   const sip::Flow& flow, const StaticRoutes::Route& route, std::string_view user);
  std::optional<Target> firstRouteTarget(const StaticRoutes::Route& route, std::string_view user,
                                         const char*& why) const;

  // Trunks (ProxyTrunks.cpp): calls from them to their numbers' users, our caller id toward
  // them, their challenges answered with their credentials.
  void probeRoutes();
  void routeFromTrunk(transaction::TransactionId serverTx, sip::SipMessage&& request,
                      const sip::Flow& flow, const Trunk& trunk);
  static void restoreCaller(const ProxyTransaction& pt, sip::SipMessage& response);
  std::optional<std::pair<sip::HeaderId, std::string>> presentedInDialog(
      const sip::SipMessage& request);
  bool answerTrunkChallenge(ProxyTransaction& pt, std::size_t index,
                            const sip::SipMessage& response);
  std::optional<Target> uriTarget(const std::string& uri, std::string_view user,
                                  const char*& why) const;

  // Session timers and keep-alives (ProxySessions.cpp).
  bool admitSessionInterval(transaction::TransactionId serverTx, sip::SipMessage& request);
  void sessionAnswered(const ProxyTransaction& pt, sip::SipMessage& response);
  void sessionExpired(std::uint64_t dialogId, std::chrono::seconds interval);
  bool sendKeepAlive(std::string_view aor, const Binding& binding, std::string_view callId);
  void keepAliveDropped(std::string_view aor, const Binding& binding, unsigned missed);

  void startProxying(transaction::TransactionId serverTx, sip::SipMessage&& request,
                     const sip::Flow& flow, std::vector<Target> targets, bool fromStranger = false,
                     std::string sourceInterface = {});
  bool admitsStranger(transaction::TransactionId serverTx, const sip::SipMessage& request,
                      const sip::Flow& flow);
  void refuseForNow(transaction::TransactionId serverTx, const sip::SipMessage& request);
  void forwardBranch(ProxyTransaction& pt, Target target);
  void locateBranch(ProxyTransaction& pt, std::size_t index, Target target);
  void branchLocated(transaction::TransactionId serverTx, std::size_t index, Target target,
                     TargetResolver::Resolved found);
  void branchUnreachable(ProxyTransaction& pt, std::size_t index, int status);
  void skipDownDestination(ProxyTransaction& pt, std::size_t index, Target target);
  static void keepForRetry(Branch& branch, Target& target, bool keepUri);
  void finishIfDone(ProxyTransaction& pt);
  bool launchBranch(ProxyTransaction& pt, std::size_t index, Target target);
  bool failOver(ProxyTransaction& pt, std::size_t index, int status);
  void startFailoverTimer(ProxyTransaction& pt, std::size_t index);
  void remember(const sip::Flow& failed);
  sip::SipMessage prepareForward(const ProxyTransaction& pt, const Target& target,
                                 const std::string& branch) const;
  void addRecordRoute(sip::SipMessage& request, const sip::Flow& in, const sip::Flow& out) const;
  std::string recordRouteUri(const sip::Flow& flow, std::string_view callId) const;
  void forwardStateless(sip::SipMessage&& request, const RouteInfo& route);
  void sendStateless(sip::SipMessage&& request, const sip::Flow& flow);

  void branchCompleted(ProxyTransaction& pt, std::size_t index, sip::SipMessage&& response);
  void branchFailed(transaction::TransactionId clientTx, int status, std::string_view reason);
  void sendBestResponse(ProxyTransaction& pt);
  void cancelPendingBranches(ProxyTransaction& pt);
  void startTimerC(ProxyTransaction& pt, std::size_t index);
  void forwardResponseUpstream(ProxyTransaction& pt, std::size_t branch,
                               sip::SipMessage&& response);
  bool sendBranch(ProxyTransaction& pt, std::size_t index, sip::SipMessage&& request,
                  const sip::Flow& flow);

  // Where forwarding meets the calls (CallManager's hook points).
  void offerBranch(ProxyTransaction& pt, std::size_t index, sip::SipMessage&& request,
                   const sip::Flow& flow);
  void branchOffered(transaction::TransactionId serverTx, std::size_t index,
                     std::shared_ptr<sip::SipMessage> request, const sip::Flow& flow,
                     MediaAnchor::SdpResult sdp);
  void respondUpstream(ProxyTransaction& pt, std::size_t branch, sip::SipMessage&& response);
  void drainUpstream(transaction::TransactionId serverTx);
  void upstreamRewritten(transaction::TransactionId serverTx, MediaAnchor::SdpResult sdp);
  bool ackWithMedia(sip::SipMessage& ack, const RouteInfo& route);
  static void renumber(sip::SipMessage& message, std::uint32_t cseq);
  Dialog* dialogOf(const sip::SipMessage& message) { return calls_.dialogOf(message); }
  // CallManager::Delegate
  bool cancelUnanswered(Dialog& dialog, const std::string& reason) override;
  void callEnding(const Dialog& dialog) override;
  std::pair<ProxyTransaction*, std::size_t> findBranch(transaction::TransactionId clientTx);
  TransactionOwner ownerOf(transaction::TransactionId clientTx) const;

  // Calls we place ourselves: where their INVITEs go, and their relay.
  std::optional<OriginateTarget> originateTarget(const std::string& uri) const override;
  void locate(const std::string& uri, Located done) override;
  std::optional<OriginateTarget> failoverTarget(const std::string& uri,
                                                const std::string& dialled) const override;
  Result<sip::ChallengeReply> trunkCredentials(const Trunk& trunk, const sip::SipMessage& response,
                                               std::string_view method, std::string_view uri,
                                               int answered) override;

  // Calls whose media we renegotiate: moved to another relay, held, resumed
  // (ProxyRenegotiation.cpp).
  bool renegotiable(const Dialog& dialog) const;
  static std::optional<std::string> roundOffer(const Renegotiation& round, const DialogSide& from);
  void offerRound(std::uint64_t dialogId);
  void renegotiated(const Renegotiation& done, Dialog& dialog);
  void answerPassedOffer(const Renegotiation& round, Dialog& dialog, std::string sdp);
  void sendRoundReinvite(Renegotiation& move, Dialog& dialog);
  void renegotiationResponse(transaction::TransactionId clientTx, const sip::SipMessage& response);
  void roundAnswered(Renegotiation& move, Dialog& dialog, const sip::SipMessage& response);
  void renegotiationFailed(std::uint64_t dialogId, std::string_view why);
  Renegotiation* ongoingRenegotiation(std::uint64_t dialogId, Dialog*& dialog);
  void forgetRenegotiation(std::uint64_t dialogId);
  void renegotiationTransactionEnded(transaction::TransactionId clientTx, int status);
  bool crossesRenegotiation(const sip::SipMessage& request) const;

  // Digits (ProxyDtmf.cpp).
  bool takeDtmfInfo(transaction::TransactionId serverTx, const sip::SipMessage& request,
                    Dialog& dialog) override;
  bool takesEvents(const Dialog& dialog, const DialogSide& side) const;
  void playAsEvents(Dialog& dialog, DialogSide& to, const DtmfDigit& digit);
  void sendAsInfo(Dialog& dialog, DialogSide& to, const DtmfDigit& digit);

  // Transfers (ProxyTransfer.cpp).
  bool takeTransferNotify(transaction::TransactionId serverTx, const sip::SipMessage& request,
                          Dialog& dialog) override;
  void transferReport(Dialog& dialog, const TransferUpdate& update);
  TransferRefusal startTransfer(Dialog* dialog, TransferUpdate update, const std::string& referTo,
                                std::string& why);

  ProxyOptions options_;
  Timers& timers_;
  transaction::SendFunction send_;
  store::Store& store_;
  LocationService& location_;
  StaticRoutes routes_;
  LocalIdentity identity_;
  TargetResolver resolver_;
  dns::DestinationBlacklist* blacklist_ = nullptr;
  FlowToken flowTokens_;
  NonceManager nonces_;
  DigestAuthenticator sipAuthenticator_;  // UDP, TCP, TLS: options_.authAlgorithmsSip
  DigestAuthenticator wsAuthenticator_;   // WS, WSS: options_.authAlgorithmsWs
  Registrar registrar_;
  ProxyStats stats_;
  transaction::TransactionLayer transactions_;
  Trunks trunks_;
  DestinationProber prober_;
  ConnectionLookup connectionFlow_;
  CallManager calls_;
  SessionTimers sessionTimers_;
  KeepAlivePinger pinger_;
  ReconnectGrace reconnects_;
  CallOriginator originator_;
  AuthBans authBans_;
  DtmfInfoSender dtmfInfo_;
  CallTransfers transfers_;
  LogThrottle strangerLimitLog_{std::chrono::seconds(10), 1};

  std::unordered_map<transaction::TransactionId, std::unique_ptr<ProxyTransaction>> byServerTx_;
  std::unordered_map<transaction::TransactionId, transaction::TransactionId> clientToServer_;
  std::unordered_map<std::uint64_t, Renegotiation> renegotiations_;  // by dialog id
  std::unordered_map<transaction::TransactionId, RenegotiationInvite> renegotiationInvites_;
};

}  // namespace rtcgate::proxy
