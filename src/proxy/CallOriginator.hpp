#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/Result.hpp"
#include "base/Timers.hpp"
#include "proxy/CallManager.hpp"
#include "proxy/DialogTracker.hpp"
#include "proxy/LocalIdentity.hpp"
#include "proxy/MediaAnchor.hpp"
#include "proxy/MediaPolicy.hpp"
#include "proxy/OriginateError.hpp"
#include "proxy/OriginatedCall.hpp"
#include "proxy/TransactionOwner.hpp"
#include "sip/DigestAnswer.hpp"
#include "transaction/TransactionLayer.hpp"

namespace rtcgate::proxy {

// Calls placed through the API (RFC 3725 third-party call control, flow I): here we are the user
// agent on both legs. A is called without an offer; A's 2xx offers; B is called with that offer
// (rewritten by the relay when the two legs speak different media); B's answer goes to A in our
// ACK. Both legs then live in one Dialog, which the rest of the proxy (hang-up, timeouts, CDRs,
// events) treats like any other call. This is the user-agent role, apart from the proxy's
// forwarding (resiprocate draws the same line between dum and repro).
class CallOriginator {
 public:
  // What the originator needs from the proxy.
  class Delegate {
   public:
    virtual ~Delegate() = default;
    // Where an INVITE to `uri` would go, as the proxy routes one; nullopt: nowhere.
    virtual std::optional<OriginateTarget> originateTarget(const std::string& uri) const = 0;
    // A route's or trunk's next target after `uri` failed (OriginateTarget::failover), dialling
    // `dialled`; nullopt: not usable.
    virtual std::optional<OriginateTarget> failoverTarget(const std::string& uri,
                                                          const std::string& dialled) const = 0;
    // The destinations of a target by name (RFC 3263) in the order to try them, or none with the
    // SIP status and reason of the failure; `done` may run inside the call.
    using Located =
        std::function<void(std::vector<sip::Flow> flows, int status, const std::string& why)>;
    virtual void locate(const std::string& uri, Located done) = 0;
    // The answer to a trunk's 401/407 on our INVITE to `uri` that has had `answered` of its
    // challenges answered (counted with the proxy's own); an error: the leg fails.
    virtual Result<sip::ChallengeReply> trunkCredentials(const Trunk& trunk,
                                                         const sip::SipMessage& response,
                                                         std::string_view method,
                                                         std::string_view uri, int answered) = 0;
    // Answers on a server transaction (counted with the proxy's own).
    virtual bool respond(transaction::TransactionId serverTx, sip::SipMessage&& response) = 0;
    // A re-INVITE or UPDATE with a new offer from `offerer`: passed on to the other side (through
    // the relay), whose answer answers it on `serverTx`. False: it cannot be (media not through
    // the relay, another renegotiation under way).
    virtual bool passOffer(transaction::TransactionId serverTx, const sip::SipMessage& request,
                           Dialog& dialog, DialogSide& offerer) = 0;
    // A SIP INFO from a party: true when it carried a digit, which was then answered and
    // delivered (ProxyCore::takeDtmfInfo); false leaves it to us.
    virtual bool takeDtmfInfo(transaction::TransactionId serverTx, const sip::SipMessage& request,
                              Dialog& dialog) = 0;
    // A NOTIFY from a party: true when it reported on a transfer of ours, and was answered
    // (ProxyCore::takeTransferNotify); false leaves it to us.
    virtual bool takeTransferNotify(transaction::TransactionId serverTx,
                                    const sip::SipMessage& request, Dialog& dialog) = 0;
    // A request with our dialog's Call-ID that is not the far end's: 481.
    virtual void refuseInDialog(transaction::TransactionId serverTx, const sip::SipMessage& request,
                                const sip::Flow& flow) = 0;
  };

  // Its calls live in `callManager` (dialogs, relay, events, BYE) like every other call.
  CallOriginator(Delegate& delegate, CallManager& callManager, const LocalIdentity& identity,
                 Timers& timers, transaction::TransactionLayer& transactions,
                 transaction::SendFunction send);
  ~CallOriginator();
  CallOriginator(const CallOriginator&) = delete;
  CallOriginator& operator=(const CallOriginator&) = delete;

  // `from` is rung first and, once it answers, `to`. Parties are user names, numbers or SIP URIs.
  Result<std::uint64_t, OriginateError> originate(const std::string& from, const std::string& to);

  // The transaction layer's reports on our client transactions (tagged
  // TransactionOwner::Originator).
  void onResponse(transaction::TransactionId clientTx, sip::SipMessage&& response,
                  const sip::Flow& flow);
  void onTransactionFailed(transaction::TransactionId clientTx, int status);
  void onTerminated(transaction::TransactionId clientTx) { inviteOwner_.erase(clientTx); }

  // A request in one of our dialogs (its To-tag is ours).
  void onRequest(transaction::TransactionId serverTx, sip::SipMessage&& request,
                 const sip::Flow& flow, Dialog& dialog);
  // Ends a call that is not answered yet: cancels the INVITE that is out. False: not ours.
  bool hangup(Dialog& dialog, const std::string& reason);
  // The call ended (whoever ended it): our state for it goes.
  void forget(std::uint64_t dialogId);

 private:
  std::string partyUri(const std::string& party) const;
  bool inviteLeg(OriginatedCall& call, DialogSide& side, const OriginateTarget& target,
                 const std::string& fromUri, const std::string& toUri, std::string sdp);
  bool sendInvite(OriginatedCall& call, DialogSide& side, const OriginateTarget& target,
                  const sip::ChallengeReply* credentials);
  bool answerChallenge(OriginatedCall& call, Dialog& dialog, bool legA,
                       const sip::SipMessage& response);
  using AfterLocate = std::function<void(OriginatedCall&, Dialog&)>;
  bool tryElsewhere(OriginatedCall& call, Dialog& dialog, bool legA, int status);
  bool advance(OriginateTarget& target) const;
  void continueLeg(OriginatedCall& call, Dialog& dialog, bool legA, AfterLocate then);
  void inviteAgain(OriginatedCall& call, Dialog& dialog, bool legA);
  void learnSide(DialogSide& side, const sip::SipMessage& response, const sip::Flow& flow);
  void repeatAck(const OriginatedCall& call, const DialogSide& side, bool legA,
                 const sip::SipMessage& response, const sip::Flow& flow);
  void answeredByA(OriginatedCall& call, Dialog& dialog, const sip::SipMessage& response);
  void callB(std::uint64_t dialogId, MediaAnchor::SdpResult sdp);
  void whenLocated(std::uint64_t dialogId, bool legA, AfterLocate then);
  void answeredByB(OriginatedCall& call, Dialog& dialog, const sip::SipMessage& response);
  void connect(OriginatedCall& call, Dialog& dialog, std::string sdpForA);
  void failed(OriginatedCall& call, Dialog& dialog, bool legA, int status);
  std::string ackFor(const DialogSide& side, std::string_view sdp);
  void ackLateAnswer(const sip::SipMessage& response, const sip::Flow& flow);
  void answerRefresh(transaction::TransactionId serverTx, const sip::SipMessage& request,
                     Dialog& dialog, DialogSide& side);
  void answerBye(transaction::TransactionId serverTx, const sip::SipMessage& request,
                 Dialog& dialog, DialogSide& side);
  void answer(transaction::TransactionId serverTx, const sip::SipMessage& request, int status,
              std::string_view reason);
  // The call and its dialog for an id, both still alive; nullptr otherwise.
  OriginatedCall* live(std::uint64_t dialogId, Dialog*& dialog);

  Delegate& delegate_;
  CallManager& callManager_;
  const LocalIdentity& identity_;
  const MediaPolicy& policy_;
  Timers& timers_;
  DialogTracker& dialogs_;
  transaction::TransactionLayer& transactions_;
  transaction::SendFunction send_;
  std::unordered_map<std::uint64_t, OriginatedCall> calls_;                    // by dialog id
  std::unordered_map<transaction::TransactionId, std::uint64_t> inviteOwner_;  // INVITE -> dialog
};

}  // namespace rtcgate::proxy
