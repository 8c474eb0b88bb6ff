#include "transaction/ServerTransaction.hpp"

#include <algorithm>

namespace rtcgate::transaction {

ServerTransaction::ServerTransaction(TransactionContext& context, TransactionId id, bool invite,
                                     TransactionKey key, const sip::Flow& responseFlow)
    : context_(context),
      id_(id),
      key_(std::move(key)),
      responseFlow_(responseFlow),
      state_(invite ? State::Proceeding : State::Trying),
      invite_(invite) {}

bool ServerTransaction::respond(const sip::SipMessage& response) {
  if (terminated() || !response.isResponse()) return false;
  const int status = response.statusCode();
  if (invite_ && state_ == State::Accepted) {
    // RFC 6026 7.1: further 2xx from the TU (retransmissions, other forks) are passed through.
    if (status < 200 || status >= 300) return false;
    return send(response.serialize());
  }
  if (state_ != State::Trying && state_ != State::Proceeding) return false;
  lastResponse_.clear();
  response.serializeTo(lastResponse_);
  return invite_ ? respondInvite(status) : respondNonInvite(status);
}

bool ServerTransaction::respondInvite(int status) {
  if (status < 200) return sendLast();
  const bool sent = sendLast();
  if (status < 300) {
    // The 2xx is retransmitted end to end by the UAS, never by us: keep nothing to resend.
    state_ = State::Accepted;
    lastResponse_.clear();
    lastResponse_.shrink_to_fit();
    lifetimeTimer_ = context_.startTimer(id_, TimerKind::L, context_.values.timeout());
    return sent;
  }
  state_ = State::Completed;
  if (!reliable()) {
    retransmitInterval_ = context_.values.t1;
    retransmitTimer_ = context_.startTimer(id_, TimerKind::G, retransmitInterval_);
  }
  lifetimeTimer_ = context_.startTimer(id_, TimerKind::H, context_.values.timeout());
  return sent;
}

bool ServerTransaction::respondNonInvite(int status) {
  const bool sent = sendLast();
  if (status < 200) {
    state_ = State::Proceeding;
    return sent;
  }
  state_ = State::Completed;
  linger(TimerKind::J, reliable() ? Duration{0} : context_.values.timeout());
  return sent;
}

bool ServerTransaction::sendLast() { return send(lastResponse_); }

bool ServerTransaction::send(std::string_view bytes) {
  if (context_.send(responseFlow_, bytes)) return true;
  ++context_.stats.transportErrors;
  return false;
}

void ServerTransaction::onRequestRetransmission() {
  ++context_.stats.retransmissionsAbsorbed;
  const bool resend = state_ == State::Proceeding || state_ == State::Completed;
  if (resend && !lastResponse_.empty() && sendLast()) ++context_.stats.retransmissionsSent;
}

ServerTransaction::AckResult ServerTransaction::onAck() {
  switch (state_) {
    case State::Accepted:
      return AckResult::PassUp;  // RFC 6026 7.1: the ACK for the 2xx belongs to the TU
    case State::Completed:
      context_.stopTimer(retransmitTimer_);
      context_.stopTimer(lifetimeTimer_);
      state_ = State::Confirmed;
      lastResponse_.clear();
      lastResponse_.shrink_to_fit();
      linger(TimerKind::I, reliable() ? Duration{0} : context_.values.t4);
      return AckResult::Absorbed;
    case State::Confirmed:
      ++context_.stats.retransmissionsAbsorbed;
      return AckResult::Absorbed;
    default:
      return AckResult::Absorbed;  // an ACK before any final answers nothing
  }
}

void ServerTransaction::onTimer(TimerKind kind) {
  if (kind == TimerKind::G) {
    retransmitTimer_ = 0;
    if (state_ != State::Completed) return;
    if (sendLast()) ++context_.stats.retransmissionsSent;
    retransmitInterval_ = std::min(retransmitInterval_ * 2, context_.values.t2);
    retransmitTimer_ = context_.startTimer(id_, TimerKind::G, retransmitInterval_);
    return;
  }
  lifetimeTimer_ = 0;
  if (kind == TimerKind::H && state_ == State::Completed) {
    ++context_.stats.timeouts;
    terminate();
    context_.user.onAckTimeout(id_);
    return;
  }
  terminate();  // I, J, L: the absorbing period is over
}

void ServerTransaction::linger(TimerKind kind, Duration after) {
  if (after == Duration{0}) {
    terminate();
    return;
  }
  lifetimeTimer_ = context_.startTimer(id_, kind, after);
}

void ServerTransaction::terminate() {
  if (terminated()) return;
  context_.stopTimer(retransmitTimer_);
  context_.stopTimer(lifetimeTimer_);
  state_ = State::Terminated;
  context_.ended.push_back(id_);
}

}  // namespace rtcgate::transaction
