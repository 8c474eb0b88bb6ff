#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "base/Timers.hpp"
#include "proxy/Binding.hpp"
#include "proxy/LocalIdentity.hpp"
#include "proxy/TargetResolver.hpp"
#include "proxy/Trunk.hpp"
#include "sip/SipMessage.hpp"
#include "transaction/TransactionLayer.hpp"

namespace rtcgate::proxy {

// Our registration with a trunk (RFC 3261 10.2, the client side; Kamailio's uac_reg, Asterisk's
// outbound registration): REGISTER to the trunk's address with its credentials, refreshed before
// the granted expiry, retried with a growing back-off when it fails. The carrier then sends the
// trunk's calls to our Contact; the flow the registration went over identifies them as the
// trunk's. Runs on the signalling loop; its requests are client transactions whose responses the
// proxy hands to onResponse / onFailed.
class TrunkRegistration {
 public:
  enum class State { Starting, Registered, Failed };
  struct Status {
    State state = State::Starting;
    std::string reason;     // why it failed, or "" while it works
    int lastStatus = 0;     // the registrar's last final status (0: none yet, 408 for no answer)
    WallSeconds expires{};  // when the granted binding runs out
    std::chrono::seconds granted{0};  // what the registrar granted
    std::optional<sip::Flow> flow;    // the flow of the last success
    std::uint64_t attempts = 0;       // REGISTERs sent (challenges answered included)
    std::uint64_t failures = 0;       // registrations that ended without a binding
  };
  // Told when the registration comes up or goes down (trunk.up / trunk.down).
  using Changed = std::function<void(const Trunk& trunk, const Status& status)>;

  // The back-off after a failure: first retry after kFirstRetry, doubling up to kMaxRetry.
  static constexpr std::chrono::seconds kFirstRetry{10};
  static constexpr std::chrono::seconds kMaxRetry{300};

  TrunkRegistration(std::shared_ptr<const Trunk> trunk, transaction::TransactionLayer& transactions,
                    const LocalIdentity& identity, const TargetResolver& resolver, Timers& timers,
                    std::uint64_t transactionTag, Changed changed);
  ~TrunkRegistration();
  TrunkRegistration(const TrunkRegistration&) = delete;
  TrunkRegistration& operator=(const TrunkRegistration&) = delete;

  void start();
  // Whether a client transaction is this registration's.
  bool owns(transaction::TransactionId clientTx) const { return clientTx == pending_; }
  void onResponse(const sip::SipMessage& response, const sip::Flow& flow);
  void onFailed(int status);  // timeout (408) or transport error (503)

  const Trunk& trunk() const { return *trunk_; }
  const Status& status() const { return status_; }
  // Whether a request arriving over `flow` came from where we registered.
  bool cameOver(const sip::Flow& flow) const;

 private:
  void locateAndSend();
  void send(const sip::Flow& flow, std::string authorization);
  bool answerChallenge(const sip::SipMessage& response);
  void succeeded(const sip::SipMessage& response, const sip::Flow& flow);
  void failed(int status, std::string reason);
  std::chrono::seconds grantedExpiry(const sip::SipMessage& response) const;
  void schedule(std::chrono::seconds after);

  std::shared_ptr<const Trunk> trunk_;
  transaction::TransactionLayer& transactions_;
  const LocalIdentity& identity_;
  const TargetResolver& resolver_;
  Timers& timers_;
  std::uint64_t transactionTag_;
  Changed changed_;
  Status status_;
  std::string callId_;
  std::string fromTag_;
  std::uint32_t cseq_ = 0;
  std::chrono::seconds requested_;
  std::chrono::seconds retryAfter_ = kFirstRetry;
  sip::Flow destination_;
  transaction::TransactionId pending_ = 0;
  int challengesAnswered_ = 0;  // for the REGISTER in progress
  std::uint32_t nonceCount_ = 0;
  Timers::Id timer_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace rtcgate::proxy
