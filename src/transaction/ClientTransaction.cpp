#include "transaction/ClientTransaction.hpp"

#include <algorithm>

#include "transaction/HopByHopRequest.hpp"

namespace rtcgate::transaction {

ClientTransaction::ClientTransaction(TransactionContext& context, TransactionId id, bool invite,
                                     TransactionKey key, const sip::Flow& destination,
                                     std::string request, bool silent)
    : context_(context),
      id_(id),
      key_(std::move(key)),
      destination_(destination),
      request_(std::move(request)),
      state_(invite ? State::Calling : State::Trying),
      invite_(invite),
      silent_(silent) {}

bool ClientTransaction::start() {
  if (!context_.send(destination_, request_)) {
    ++context_.stats.transportErrors;
    return false;
  }
  // Timers B and F run on every transport; A and E only where the transport may lose the request.
  if (!reliable()) {
    retransmitInterval_ = context_.values.t1;
    retransmitTimer_ =
        context_.startTimer(id_, invite_ ? TimerKind::A : TimerKind::E, retransmitInterval_);
  }
  lifetimeTimer_ =
      context_.startTimer(id_, invite_ ? TimerKind::B : TimerKind::F, context_.values.timeout());
  return true;
}

void ClientTransaction::onResponse(sip::SipMessage&& response, const sip::Flow& flow) {
  if (response.statusCode() < 200) {
    onProvisional(std::move(response), flow);
  } else if (invite_) {
    onInviteFinal(std::move(response), flow);
  } else {
    onFinal(std::move(response), flow);
  }
}

void ClientTransaction::onProvisional(sip::SipMessage&& response, const sip::Flow& flow) {
  if (state_ == State::Calling) {
    // 17.1.1.2: no more retransmissions; the proxy's Timer C now bounds the wait, not Timer B.
    context_.stopTimer(retransmitTimer_);
    context_.stopTimer(lifetimeTimer_);
    state_ = State::Proceeding;
    if (cancel_ == CancelState::Pending) {
      cancel_ = CancelState::Due;
      startCancelWait();
    }
  } else if (state_ == State::Trying) {
    state_ = State::Proceeding;  // Timer E keeps running, now at T2 (17.1.2.2)
  } else if (state_ != State::Proceeding) {
    ++context_.stats.retransmissionsAbsorbed;
    return;  // a late provisional after the final means nothing
  }
  passUp(std::move(response), flow);
}

void ClientTransaction::onFinal(sip::SipMessage&& response, const sip::Flow& flow) {
  if (state_ != State::Trying && state_ != State::Proceeding) {
    ++context_.stats.retransmissionsAbsorbed;
    return;
  }
  context_.stopTimer(retransmitTimer_);
  context_.stopTimer(lifetimeTimer_);
  state_ = State::Completed;
  request_.clear();
  request_.shrink_to_fit();
  linger(TimerKind::K, reliable() ? Duration{0} : context_.values.t4);
  passUp(std::move(response), flow);
}

void ClientTransaction::onInviteFinal(sip::SipMessage&& response, const sip::Flow& flow) {
  const bool success = response.statusCode() < 300;
  if (state_ == State::Accepted && success) {
    passUp(std::move(response), flow);  // each 2xx is forwarded by the proxy (RFC 6026)
    return;
  }
  if (state_ == State::Completed && !success) {
    ++context_.stats.retransmissionsAbsorbed;
    if (context_.send(destination_, request_)) ++context_.stats.retransmissionsSent;
    return;
  }
  if (state_ != State::Calling && state_ != State::Proceeding) {
    ++context_.stats.retransmissionsAbsorbed;
    return;
  }
  context_.stopTimer(retransmitTimer_);
  context_.stopTimer(lifetimeTimer_);
  if (cancel_ == CancelState::Pending) cancel_ = CancelState::None;  // nothing left to cancel
  if (success) {
    state_ = State::Accepted;
    request_.clear();
    request_.shrink_to_fit();
    linger(TimerKind::M, context_.values.timeout());
  } else {
    state_ = State::Completed;
    sendAck(response);
    linger(TimerKind::D, reliable() ? Duration{0} : context_.values.d);
  }
  passUp(std::move(response), flow);
}

void ClientTransaction::sendAck(const sip::SipMessage& response) {
  auto invite = sip::SipMessage::parse(std::move(request_));
  request_.clear();
  if (!invite) return;
  request_ = HopByHopRequest::ack(*invite, response);
  if (!context_.send(destination_, request_)) ++context_.stats.transportErrors;
}

void ClientTransaction::onTimer(TimerKind kind) {
  switch (kind) {
    case TimerKind::A:
    case TimerKind::E:
      retransmitTimer_ = 0;
      retransmit(kind);
      return;
    case TimerKind::B:
    case TimerKind::F:
    case TimerKind::CancelWait:
      lifetimeTimer_ = 0;
      ++context_.stats.timeouts;
      terminate();
      if (!silent_) context_.user.onTimeout(id_);
      return;
    default:  // D, K, M: the absorbing period is over
      lifetimeTimer_ = 0;
      terminate();
      return;
  }
}

void ClientTransaction::retransmit(TimerKind kind) {
  const bool stillSending =
      invite_ ? state_ == State::Calling : state_ == State::Trying || state_ == State::Proceeding;
  if (!stillSending) return;
  if (!context_.send(destination_, request_)) {
    failTransport();
    return;
  }
  ++context_.stats.retransmissionsSent;
  if (invite_) {
    retransmitInterval_ *= 2;  // Timer A doubles without a cap; Timer B ends it
  } else if (state_ == State::Proceeding) {
    retransmitInterval_ = context_.values.t2;
  } else {
    retransmitInterval_ = std::min(retransmitInterval_ * 2, context_.values.t2);
  }
  retransmitTimer_ = context_.startTimer(id_, kind, retransmitInterval_);
}

void ClientTransaction::connectionFailed() {
  if (state_ == State::Calling || state_ == State::Trying) failTransport();
}

void ClientTransaction::failTransport() {
  ++context_.stats.transportErrors;
  terminate();
  if (!silent_) context_.user.onTransportError(id_);
}

void ClientTransaction::passUp(sip::SipMessage&& response, const sip::Flow& flow) {
  if (!silent_) context_.user.onResponse(id_, std::move(response), flow);
}

void ClientTransaction::linger(TimerKind kind, Duration after) {
  if (after == Duration{0}) {
    terminate();
    return;
  }
  lifetimeTimer_ = context_.startTimer(id_, kind, after);
}

bool ClientTransaction::requestCancel() {
  if (!invite_ || cancel_ != CancelState::None) return false;
  if (state_ == State::Calling) {
    cancel_ = CancelState::Pending;
    return false;
  }
  if (state_ != State::Proceeding) return false;
  cancel_ = CancelState::Sent;
  startCancelWait();
  return true;
}

bool ClientTransaction::takeCancelDue() {
  if (cancel_ != CancelState::Due) return false;
  cancel_ = CancelState::Sent;
  return true;
}

void ClientTransaction::startCancelWait() {
  // RFC 3261 9.1: a UAS that never answers the cancelled INVITE must not hold it forever.
  context_.stopTimer(lifetimeTimer_);
  lifetimeTimer_ = context_.startTimer(id_, TimerKind::CancelWait, context_.values.timeout());
}

std::string ClientTransaction::cancelRequest(std::string& branch) const {
  auto invite = sip::SipMessage::parse(request_);
  if (!invite) return {};
  branch.assign(invite->topVia().branch());
  return HopByHopRequest::cancel(*invite);
}

void ClientTransaction::terminate() {
  if (terminated()) return;
  context_.stopTimer(retransmitTimer_);
  context_.stopTimer(lifetimeTimer_);
  state_ = State::Terminated;
  context_.ended.push_back(id_);
}

}  // namespace rtcgate::transaction
