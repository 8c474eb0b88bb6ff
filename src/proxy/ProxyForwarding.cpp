// ProxyCore's forwarding (RFC 3261 16.6-16.11): branches with Via, Record-Route and Max-Forwards,
// Timer C, stateless ACKs and strays, CANCEL, and the choice of the response that goes upstream
// (16.7), with static-route failover on the way.
#include <spdlog/spdlog.h>

#include "proxy/MessageParts.hpp"
#include "proxy/ProxyCore.hpp"
#include "proxy/TrunkCaller.hpp"
#include "sip/NameAddr.hpp"

namespace rtcgate::proxy {

using sip::HeaderId;
using sip::Method;
using sip::SipMessage;
using transaction::TransactionId;

namespace {

constexpr int kDefaultMaxForwards = 70;

// Requests that create a dialog: the proxy stays on their path (Record-Route, RFC 3261 16.6.4).
bool createsDialog(Method method) {
  return method == Method::Invite || method == Method::Subscribe || method == Method::Refer ||
         method == Method::Notify;
}

}  // namespace

// ------------------------------------------------------------------ forwarding

void ProxyCore::startProxying(TransactionId serverTx, SipMessage&& request, const sip::Flow& flow,
                              std::vector<Target> targets, bool fromStranger,
                              std::string sourceInterface) {
  if (!admitSessionInterval(serverTx, request)) return;
  auto owned = std::make_unique<ProxyTransaction>(std::move(request));
  auto& pt = *owned;
  pt.serverTx = serverTx;
  pt.source = flow;
  pt.fromStranger = fromStranger;
  pt.sourceInterface = std::move(sourceInterface);  // a trunk's (planMedia keeps a dialog's)
  byServerTx_.emplace(serverTx, std::move(owned));
  // Before trackRequest: a BYE ends its dialog there.
  if (!pt.request.toTag().empty()) {
    pt.cseqShift = calls_.cseqShiftOf(pt.request);
    if (auto presented = presentedInDialog(pt.request)) {
      pt.presented = presented->first;
      pt.presentedValue = std::move(presented->second);
    }
  }
  calls_.trackRequest(pt);
  calls_.planMedia(pt);
  // Branches that end at once (a target DNS knows to be gone) must not end the transaction
  // before every target has its branch.
  pt.starting = true;
  for (auto& target : targets) forwardBranch(pt, std::move(target));
  pt.starting = false;
  finishIfDone(pt);
}

void ProxyCore::forwardBranch(ProxyTransaction& pt, Target target) {
  if (target.requestUri.empty()) target.requestUri = std::string(pt.request.requestUri());
  pt.branches.push_back({});
  const auto index = pt.branches.size() - 1;
  if (target.locate.empty() && prober_.isDown(target.flow)) {
    skipDownDestination(pt, index, std::move(target));
  } else if (target.locate.empty()) {
    launchBranch(pt, index, std::move(target));
  } else {
    locateBranch(pt, index, std::move(target));
  }
}

// A branch whose next hop is a name waits for DNS (RFC 3263); cached names answer at once. The
// proxy transaction may end or be cancelled meanwhile: the answer then finds nothing to do.
void ProxyCore::locateBranch(ProxyTransaction& pt, std::size_t index, Target target) {
  pt.branches[index].locating = true;
  const std::string next = target.locate;
  const auto uri = sip::parseUri(next);
  resolver_.resolve(*uri, [this, serverTx = pt.serverTx, index,
                           target = std::move(target)](TargetResolver::Resolved found) mutable {
    branchLocated(serverTx, index, std::move(target), std::move(found));
  });
}

void ProxyCore::branchLocated(TransactionId serverTx, std::size_t index, Target target,
                              TargetResolver::Resolved found) {
  const auto it = byServerTx_.find(serverTx);
  if (it == byServerTx_.end()) return;
  auto& pt = *it->second;
  if (pt.branches[index].state == Branch::State::Completed) return;  // cancelled meanwhile
  pt.branches[index].locating = false;
  if (found.flows.empty()) {
    ++stats_.unresolvableTargets;
    spdlog::info("{} {}: cannot reach {}: {}", pt.request.methodText(), pt.request.callId(),
                 target.locate, found.why);
    pt.branches[index].failover = std::move(target.failover);
    return branchUnreachable(pt, index, found.status);
  }
  if (identity_.isOurAddress(found.flows.front().remote.host(),
                             found.flows.front().remote.port())) {
    ++stats_.loopsDetected;
    spdlog::warn("{} {}: {} leads back to this gateway", pt.request.methodText(),
                 pt.request.callId(), target.locate);
    return branchUnreachable(pt, index, 482);
  }
  target.flow = found.flows.front();
  target.alternates.assign(found.flows.begin() + 1, found.flows.end());
  target.locate.clear();
  if (prober_.isDown(target.flow)) {
    skipDownDestination(pt, index, std::move(target));
  } else {
    launchBranch(pt, index, std::move(target));
  }
  finishIfDone(pt);
}

// A destination OPTIONS probing found down is not tried: the branch goes on to the next one at
// once, as if it had answered 503.
void ProxyCore::skipDownDestination(ProxyTransaction& pt, std::size_t index, Target target) {
  ++stats_.downDestinationsSkipped;
  spdlog::info("{} {}: {} is down (OPTIONS probes), skipped", pt.request.methodText(),
               pt.request.callId(), target.flow.remote.toString());
  keepForRetry(pt.branches[index], target, true);
  branchUnreachable(pt, index, 503);
}

// What a branch keeps of its target to go on elsewhere: the failover lists (moved), its trunk and
// number, and when it may be sent again (alternates, a trunk's challenge) its Request-URI and
// route set.
void ProxyCore::keepForRetry(Branch& branch, Target& target, bool keepUri) {
  branch.failover = std::move(target.failover);
  branch.alternates = std::move(target.alternates);
  branch.trunk = target.trunk;
  branch.dialled = target.dialled;
  branch.challengesAnswered = target.challengesAnswered;
  if (keepUri) {
    branch.requestUri = target.requestUri;
    branch.routes = target.routes;
  }
}

// A branch that never went out (its target could not be found): completed with `status` once
// no other target is left to try.
void ProxyCore::branchUnreachable(ProxyTransaction& pt, std::size_t index, int status) {
  auto& branch = pt.branches[index];
  branch.state = Branch::State::Completed;
  branch.finalStatus = status;
  if (failOver(pt, index, status)) return;
  pt.selector.offer(status);
  finishIfDone(pt);
}

void ProxyCore::finishIfDone(ProxyTransaction& pt) {
  if (!pt.starting && pt.allBranchesCompleted() && !pt.finalSent) sendBestResponse(pt);
}

bool ProxyCore::launchBranch(ProxyTransaction& pt, std::size_t index, Target target) {
  const auto branchId = transactions_.newBranch() + "." + loopHash(pt.request);
  auto request = prepareForward(pt, target, branchId);
  auto& branch = pt.branches[index];
  keepForRetry(branch, target, !target.alternates.empty() || target.trunk);
  if (target.trunk && !target.trunk->fromUser.empty() && pt.request.toTag().empty()) {
    pt.presented = HeaderId::From;
    if (Dialog* dialog = dialogOf(pt.request)) {
      dialog->caller.presentedAs = std::string(request.find(HeaderId::From)->value);
    }
  }
  branch.flow = target.flow;
  branch.viaBranch = branchId;
  // The route's media profile is looked up only for requests that may be anchored.
  branch.anchored = pt.mediaRole != ProxyTransaction::MediaRole::None &&
                    calls_.anchorsBranch(pt, target.flow.transport,
                                         routes_.targetMedia(target.requestUri), branch.leg);
  branch.dtmf = routes_.targetDtmf(target.requestUri);
  branch.record = routes_.targetRecorded(target.requestUri);
  if (branch.anchored) {
    branch.mediaInterface =
        calls_.branchInterface(pt, target.trunk ? target.trunk->mediaInterface
                                                : routes_.targetInterface(target.requestUri));
  }
  ++stats_.forwardedRequests;
  if (branch.anchored && pt.mediaRole == ProxyTransaction::MediaRole::Offer) {
    offerBranch(pt, index, std::move(request), target.flow);
    return true;
  }
  return sendBranch(pt, index, std::move(request), target.flow);
}

// false when the transport refused it: the branch is then completed with a 503 (the caller sends
// the final response once every branch is done).
bool ProxyCore::sendBranch(ProxyTransaction& pt, std::size_t index, SipMessage&& request,
                           const sip::Flow& flow) {
  auto started = transactions_.sendRequest(std::move(request), flow);
  if (!started) {
    spdlog::info("{} {}: could not send to {}: {}", pt.request.methodText(), pt.request.callId(),
                 flow.remote.toString(), started.error());
    calls_.releaseBranchMedia(pt, index);
    remember(flow);
    pt.branches[index].state = Branch::State::Completed;
    pt.branches[index].finalStatus = 503;
    if (failOver(pt, index, 503)) return true;
    pt.selector.offer(503);
    return false;
  }
  pt.branches[index].clientTx = *started;
  clientToServer_[*started] = pt.serverTx;
  if (pt.request.method() == Method::Invite) startTimerC(pt, index);
  startFailoverTimer(pt, index);
  return true;
}

// A branch with somewhere else to go does not wait out Timer B (32 s) for a server that is
// gone: with no response at all, not even 100 Trying, within sip.failover_timeout it counts as
// timed out and the next destination is tried.
void ProxyCore::startFailoverTimer(ProxyTransaction& pt, std::size_t index) {
  auto& branch = pt.branches[index];
  if ((branch.alternates.empty() && branch.failover.empty()) ||
      options_.failoverTimeout <= Duration::zero()) {
    return;
  }
  const auto clientTx = branch.clientTx;
  branch.failoverTimer = timers_.start(options_.failoverTimeout, [this, clientTx] {
    auto [owner, i] = findBranch(clientTx);
    if (!owner) return;
    owner->branches[i].failoverTimer = 0;
    ++stats_.failoverTimeouts;
    spdlog::info("{} {}: no answer from {} within {} ms, trying the next destination",
                 owner->request.methodText(), owner->request.callId(),
                 owner->branches[i].flow.remote.toString(), options_.failoverTimeout.count());
    remember(owner->branches[i].flow);
    transactions_.cancel(clientTx);
    branchCompleted(*owner, i, owner->request.makeResponse(408, "Request Timeout"));
  });
}

// A destination that did not answer, or refused the connection, is tried last for a while.
void ProxyCore::remember(const sip::Flow& failed) {
  if (blacklist_ && options_.blacklistFor > Duration::zero()) {
    blacklist_->add({failed.transport, failed.remote, {}}, options_.blacklistFor);
  }
}

SipMessage ProxyCore::prepareForward(const ProxyTransaction& pt, const Target& target,
                                     const std::string& branch) const {
  auto request = pt.request.clone();
  request.setRequestUri(target.requestUri);
  const int hops = request.maxForwards() < 0 ? kDefaultMaxForwards : request.maxForwards() - 1;
  request.setHeader(HeaderId::MaxForwards, std::to_string(hops));
  // Routes to add go in front of whatever Route set remains (Path, static route target).
  for (auto it = target.routes.rbegin(); it != target.routes.rend(); ++it) {
    request.prependHeader(HeaderId::Route, *it);
  }
  if (createsDialog(request.method()) && request.toTag().empty()) {
    addRecordRoute(request, pt.source, target.flow);
  }
  if (target.trunk && request.toTag().empty()) presentTrunkCaller(request, *target.trunk);
  if (!pt.presentedValue.empty()) request.setHeader(*pt.presented, pt.presentedValue);
  if (!target.authorization.empty()) {
    request.appendHeader(target.authorizationHeader, target.authorization);
  }
  if (pt.cseqShift != 0) renumber(request, request.cseq() + pt.cseqShift);
  request.prependHeader(HeaderId::Via, identity_.via(target.flow, branch));
  return request;
}

// Record-Route (RFC 3261 16.6 step 4). When the two sides use different transports, or either
// side is a connection (WebSocket, TCP, TLS), we record two entries, one facing each side, each
// with the token of its side's connection: in-dialog requests from either end then leave over
// the right transport and connection (RFC 5658 double Record-Route, RFC 7118).
void ProxyCore::addRecordRoute(SipMessage& request, const sip::Flow& in,
                               const sip::Flow& out) const {
  const bool connections = sip::isReliable(in.transport) || sip::isReliable(out.transport);
  const std::string callId(request.callId());
  if (in.transport == out.transport && !connections && in.local == out.local) {
    request.prependHeader(HeaderId::RecordRoute, "<" + recordRouteUri(out, callId) + ">");
    return;
  }
  request.prependHeader(HeaderId::RecordRoute, "<" + recordRouteUri(in, callId) + ";r2=on>");
  request.prependHeader(HeaderId::RecordRoute, "<" + recordRouteUri(out, callId) + ";r2=on>");
}

// Every Record-Route we write carries a token for its Call-ID (naming the side's connection, if
// any): the dialog's requests prove with it that we record-routed them.
std::string ProxyCore::recordRouteUri(const sip::Flow& flow, std::string_view callId) const {
  std::string uri = "sip:";
  uri += identity_.hostPortToward(flow);
  uri += ";transport=";
  uri += sip::transportParamName(flow.transport);
  uri += ";lr";
  const auto connection = sip::isReliable(flow.transport) ? flow.connectionId : 0;
  uri += ";ftok=" + flowTokens_.encode(connection, callId);
  return uri;
}

void ProxyCore::startTimerC(ProxyTransaction& pt, std::size_t index) {
  auto& branch = pt.branches[index];
  timers_.cancel(branch.timerC);
  const auto clientTx = branch.clientTx;
  branch.timerC = timers_.start(options_.timerC, [this, clientTx] {
    auto [owner, i] = findBranch(clientTx);
    if (!owner) return;
    owner->branches[i].timerC = 0;
    spdlog::info("{} {}: no final response in time, cancelling branch", owner->request.methodText(),
                 owner->request.callId());
    transactions_.cancel(clientTx);
  });
}

// ------------------------------------------------------------------ stateless parts

// An ACK that matched no transaction is the ACK of a 2xx: forwarded only within a dialog we
// record-routed (as Kamailio's default script does), never along a Request-URI of a stranger's
// choosing.
void ProxyCore::onAck(SipMessage&& ack, const sip::Flow& flow) {
  auto route = popOurRoutes(ack);
  if (ack.toTag().empty() || !belongsToDialog(ack, flow, route, dialogOf(ack))) {
    ++stats_.acksDropped;
    spdlog::debug("ACK {} from {}: dropped, it belongs to no dialog of ours", ack.callId(),
                  flow.remote.toString());
    return;
  }
  if (ackWithMedia(ack, route)) return;  // forwarded once the relay has the answer
  forwardStateless(std::move(ack), route);
}

void ProxyCore::forwardStateless(SipMessage&& request, const RouteInfo& route) {
  const char* why = "";
  auto target = nextHopTarget(request, route, why);
  if (!target) {
    spdlog::debug("{} {}: dropped, no next hop: {}", request.methodText(), request.callId(), why);
    return;
  }
  if (!target->locate.empty()) {
    // A next hop by name (a carrier's Record-Route): sent once DNS has it, cached after the first.
    const std::string next = target->locate;
    auto held = std::make_shared<SipMessage>(std::move(request));
    resolver_.resolve(*sip::parseUri(next), [this, held, next](TargetResolver::Resolved found) {
      if (found.flows.empty()) {
        spdlog::info("{} {}: dropped, cannot reach {}: {}", held->methodText(), held->callId(),
                     next, found.why);
        return;
      }
      sendStateless(std::move(*held), found.flows.front());
    });
    return;
  }
  sendStateless(std::move(request), target->flow);
}

void ProxyCore::sendStateless(SipMessage&& request, const sip::Flow& flow) {
  if (identity_.isOurAddress(flow.remote.host(), flow.remote.port())) {
    // Addressed to ourselves without our Route: it would only spiral until Max-Forwards ran out.
    spdlog::debug("{} {}: dropped, its next hop is this proxy", request.methodText(),
                  request.callId());
    return;
  }
  const int hops = request.maxForwards() < 0 ? kDefaultMaxForwards : request.maxForwards() - 1;
  if (hops < 0) return;
  request.setHeader(HeaderId::MaxForwards, std::to_string(hops));
  if (const auto shift = calls_.cseqShiftOf(request); shift != 0) {
    renumber(request, request.cseq() + shift);
  }
  if (auto presented = presentedInDialog(request)) {
    request.setHeader(presented->first, presented->second);
  }
  // The branch of a stateless ACK only needs to be unique (RFC 3261 16.11).
  request.prependHeader(HeaderId::Via, identity_.via(flow, transactions_.newBranch()));
  ++stats_.statelessForwards;
  send_(flow, request.serialize());
}

// A response that matches none of our client transactions answers nothing we sent (or a
// transaction long finished, RFC 6026): dropped, never sent on along its Via (RFC 3261 16.7 step
// 3), which would make us a reflector for whatever Via a stranger writes.
void ProxyCore::onStrayResponse(SipMessage&& response, const sip::Flow& flow) {
  if (pinger_.answered(response.callId())) return;  // a keep-alive's answer (ProxySessions.cpp)
  ++stats_.strayResponsesDropped;
  spdlog::debug("{} response from {} (Call-ID {}) matches no transaction: dropped",
                response.statusCode(), flow.remote.toString(), response.callId());
}

// ------------------------------------------------------------------ CANCEL

void ProxyCore::onCancel(TransactionId cancelTx, TransactionId inviteTx, SipMessage&& cancel,
                         const sip::Flow& flow) {
  auto it = byServerTx_.find(inviteTx);
  if (it != byServerTx_.end() && !it->second->source.sameOrigin(flow)) {
    // The branch of an INVITE is no secret to those on its path, but only its sender may
    // cancel it (RFC 3261 9.1: the CANCEL goes where the INVITE went, from where it came).
    // Answered statelessly, and its transaction forgotten: the sender's own CANCEL, with the
    // same branch, must not be taken for a retransmission of this one.
    ++stats_.inDialogRefused;
    spdlog::info("CANCEL {} from {}: refused, the INVITE came from {}", cancel.callId(),
                 flow.remote.toString(), it->second->source.remote.toString());
    send_(flow, cancel.makeResponse(481, "Call/Transaction Does Not Exist").serialize());
    transactions_.discard(cancelTx);
    return;
  }
  if (inviteTx == 0 || it == byServerTx_.end()) {
    // Answered by us (auth challenge, 404, ...) or never seen.
    answer(cancelTx, cancel, inviteTx == 0 ? 481 : 200,
           inviteTx == 0 ? "Call/Transaction Does Not Exist" : "OK");
    if (inviteTx != 0) {
      auto terminated = cancel.makeResponse(487, "Request Terminated");
      terminated.setHeader(HeaderId::CSeq, std::to_string(cancel.cseq()) + " INVITE");
      respond(inviteTx, std::move(terminated));
    }
    return;
  }
  answer(cancelTx, cancel, 200, "OK");
  auto& pt = *it->second;
  pt.cancelled = true;
  cancelPendingBranches(pt);
}

void ProxyCore::cancelPendingBranches(ProxyTransaction& pt) {
  bool located = false;
  for (auto& branch : pt.branches) {
    if (branch.state != Branch::State::Completed && branch.clientTx != 0) {
      transactions_.cancel(branch.clientTx);
    }
    if (branch.locating && branch.state != Branch::State::Completed) {
      // Nothing was sent: the branch ends here, its DNS answer is ignored when it comes.
      branch.state = Branch::State::Completed;
      branch.finalStatus = 487;
      pt.selector.offer(487);
      located = true;
    }
  }
  if (located) finishIfDone(pt);
}

// ------------------------------------------------------------------ responses

std::pair<ProxyTransaction*, std::size_t> ProxyCore::findBranch(TransactionId clientTx) {
  const auto owner = clientToServer_.find(clientTx);
  if (owner == clientToServer_.end()) return {nullptr, 0};
  const auto it = byServerTx_.find(owner->second);
  if (it == byServerTx_.end()) return {nullptr, 0};
  auto& branches = it->second->branches;
  for (std::size_t i = 0; i < branches.size(); ++i) {
    if (branches[i].clientTx == clientTx) return {it->second.get(), i};
  }
  return {nullptr, 0};
}

void ProxyCore::onResponse(TransactionId clientTx, SipMessage&& response, const sip::Flow& flow) {
  switch (ownerOf(clientTx)) {
    case TransactionOwner::Originator:
      return originator_.onResponse(clientTx, std::move(response), flow);
    case TransactionOwner::Renegotiation:
      return renegotiationResponse(clientTx, response);
    case TransactionOwner::Trunk:
      if (auto* registration = trunks_.registrationOf(clientTx)) {
        registration->onResponse(response, flow);
      }
      return;
    case TransactionOwner::Probe:
      return prober_.onResponse(clientTx, response.statusCode());
    case TransactionOwner::DtmfInfo:
      if (response.statusCode() >= 200) dtmfInfo_.onFinal(clientTx, response.statusCode());
      return;
    case TransactionOwner::Transfer:
      if (response.statusCode() >= 200) transfers_.onFinal(clientTx, response.statusCode());
      return;
    case TransactionOwner::Proxy:
      break;
  }
  auto [pt, index] = findBranch(clientTx);
  if (!pt) return;
  response.removeFirst(HeaderId::Via);
  if (!response.find(HeaderId::Via)) return;
  // Renumbered on the way: the sender gets back the CSeq it sent.
  if (pt->cseqShift != 0) renumber(response, pt->request.cseq());
  const int status = response.statusCode();
  auto& branch = pt->branches[index];
  timers_.cancel(branch.failoverTimer);
  branch.failoverTimer = 0;
  if (status < 200) {
    if (status == 100) return;
    branch.state = Branch::State::Proceeding;
    if (pt->request.method() == Method::Invite) startTimerC(*pt, index);
    if (!pt->finalSent) forwardResponseUpstream(*pt, index, std::move(response));
    return;
  }
  if (status < 300) {
    // Every 2xx goes upstream at once (RFC 3261 16.7 step 5); other branches are cancelled.
    const bool first = branch.state != Branch::State::Completed;
    branch.state = Branch::State::Completed;
    branch.finalStatus = status;
    timers_.cancel(branch.timerC);
    branch.timerC = 0;
    sessionAnswered(*pt, response);
    forwardResponseUpstream(*pt, index, std::move(response));
    if (first) {
      pt->finalSent = true;
      if (pt->request.method() == Method::Invite) cancelPendingBranches(*pt);
    }
    return;
  }
  if ((status == 401 || status == 407) && branch.trunk &&
      answerTrunkChallenge(*pt, index, response)) {
    return;
  }
  branchCompleted(*pt, index, std::move(response));
}

void ProxyCore::branchCompleted(ProxyTransaction& pt, std::size_t index, SipMessage&& response) {
  auto& branch = pt.branches[index];
  if (branch.state == Branch::State::Completed) return;
  branch.state = Branch::State::Completed;
  const int status = response.statusCode();
  branch.finalStatus = status;
  timers_.cancel(branch.timerC);
  branch.timerC = 0;
  timers_.cancel(branch.failoverTimer);
  branch.failoverTimer = 0;
  calls_.releaseBranchMedia(pt, index);
  if ((status == 408 || status >= 500) && status < 600 && failOver(pt, index, status)) return;

  for (const auto& value : response.all(HeaderId::WwwAuthenticate)) {
    pt.wwwChallenges.emplace_back(value);
  }
  for (const auto& value : response.all(HeaderId::ProxyAuthenticate)) {
    pt.proxyChallenges.emplace_back(value);
  }
  if (pt.selector.offer(status)) pt.bestResponse = std::move(response);
  if (status >= 600 && pt.request.method() == Method::Invite) cancelPendingBranches(pt);
  if (pt.allBranchesCompleted() && !pt.finalSent) sendBestResponse(pt);
}

// A branch that timed out or failed on the server's side goes on to the next place to try: the
// same next hop's other destinations (RFC 3263 4.3: on 503 or a timeout), then the route's next
// target (on 408 or any 5xx). False when there is none, or the transaction is over.
bool ProxyCore::failOver(ProxyTransaction& pt, std::size_t index, int status) {
  auto& branch = pt.branches[index];
  if (pt.cancelled || pt.finalSent) return false;
  if (!branch.alternates.empty() && (status == 408 || status == 503)) {
    Target next;
    next.requestUri = std::move(branch.requestUri);
    next.routes = std::move(branch.routes);
    next.flow = branch.alternates.front();
    next.alternates.assign(branch.alternates.begin() + 1, branch.alternates.end());
    next.failover = std::move(branch.failover);
    next.trunk = branch.trunk;
    next.dialled = branch.dialled;
    ++stats_.destinationFailovers;
    spdlog::info("{} {}: {} answered {}, trying {}", pt.request.methodText(), pt.request.callId(),
                 branch.flow.remote.toString(), status, next.flow.remote.toString());
    forwardBranch(pt, std::move(next));
    return true;
  }
  auto remaining = std::move(branch.failover);
  const char* why = "";
  while (!remaining.empty()) {
    auto next = uriTarget(remaining.front(), branch.dialled, why);
    remaining.erase(remaining.begin());
    if (!next) continue;
    next->failover = std::move(remaining);
    next->dialled = branch.dialled;
    next->trunk = branch.trunk;
    ++stats_.routeFailovers;
    spdlog::info("{} {}: route target answered {}, failing over", pt.request.methodText(),
                 pt.request.callId(), status);
    forwardBranch(pt, std::move(*next));
    return true;
  }
  return false;
}

void ProxyCore::sendBestResponse(ProxyTransaction& pt) {
  pt.finalSent = true;
  if (isInitialInvite(pt.request)) {
    if (Dialog* dialog = dialogOf(pt.request);
        dialog && dialog->state != Dialog::State::Confirmed) {
      const int status = pt.bestResponse       ? pt.bestResponse->statusCode()
                         : pt.selector.empty() ? 480
                                               : pt.selector.best();
      // A call we cancelled ourselves (hangup) keeps the reason we gave.
      const std::string cancelled = dialog->endReason.empty() ? "cancelled" : dialog->endReason;
      calls_.endDialog(*dialog, pt.cancelled ? cancelled : Dialog::failureReason(status), status);
    }
  }
  if (!pt.bestResponse) {
    const int status = pt.selector.empty() ? 480 : pt.selector.best();
    auto response = pt.request.makeResponse(status == 503 ? 500 : status,
                                            status == 408   ? "Request Timeout"
                                            : status == 503 ? "Service Unavailable"
                                                            : "Temporarily Unavailable");
    respondUpstream(pt, ProxyTransaction::kNoBranch, std::move(response));
    return;
  }
  auto response = std::move(*pt.bestResponse);
  pt.bestResponse.reset();
  if (response.statusCode() == 503) response.setStatus(500, "Server Error");
  if (response.statusCode() == 401 || response.statusCode() == 407) {
    response.removeAll(HeaderId::WwwAuthenticate);
    response.removeAll(HeaderId::ProxyAuthenticate);
    for (auto& value : pt.wwwChallenges) response.appendHeader(HeaderId::WwwAuthenticate, value);
    for (auto& value : pt.proxyChallenges) {
      response.appendHeader(HeaderId::ProxyAuthenticate, value);
    }
  }
  respondUpstream(pt, ProxyTransaction::kNoBranch, std::move(response));
}

void ProxyCore::branchFailed(TransactionId clientTx, int status, std::string_view reason) {
  auto [pt, index] = findBranch(clientTx);
  if (!pt) return;
  // pt->request is the request as received: the synthesized answer carries exactly the Vias an
  // answer from the branch would have after we took ours off.
  branchCompleted(*pt, index, pt->request.makeResponse(status, reason));
}

void ProxyCore::onTimeout(TransactionId clientTx) {
  switch (ownerOf(clientTx)) {
    case TransactionOwner::Originator:
      return originator_.onTransactionFailed(clientTx, 408);
    case TransactionOwner::Renegotiation:
      return renegotiationTransactionEnded(clientTx, 408);
    case TransactionOwner::Trunk:
      if (auto* registration = trunks_.registrationOf(clientTx)) registration->onFailed(408);
      return;
    case TransactionOwner::Probe:
      return prober_.onFailed(clientTx);
    case TransactionOwner::DtmfInfo:
      return dtmfInfo_.onFinal(clientTx, 408);
    case TransactionOwner::Transfer:
      return transfers_.onFinal(clientTx, 408);
    case TransactionOwner::Proxy:
      ++stats_.branchTimeouts;
      if (auto [pt, index] = findBranch(clientTx); pt) remember(pt->branches[index].flow);
      return branchFailed(clientTx, 408, "Request Timeout");
  }
}

void ProxyCore::onTransportError(TransactionId clientTx) {
  switch (ownerOf(clientTx)) {
    case TransactionOwner::Originator:
      return originator_.onTransactionFailed(clientTx, 503);
    case TransactionOwner::Renegotiation:
      return renegotiationTransactionEnded(clientTx, 503);
    case TransactionOwner::Trunk:
      if (auto* registration = trunks_.registrationOf(clientTx)) registration->onFailed(503);
      return;
    case TransactionOwner::Probe:
      return prober_.onFailed(clientTx);
    case TransactionOwner::DtmfInfo:
      return dtmfInfo_.onFinal(clientTx, 503);
    case TransactionOwner::Transfer:
      return transfers_.onFinal(clientTx, 503);
    case TransactionOwner::Proxy:
      if (auto [pt, index] = findBranch(clientTx); pt) remember(pt->branches[index].flow);
      return branchFailed(clientTx, 503, "Service Unavailable");
  }
}

TransactionOwner ProxyCore::ownerOf(TransactionId clientTx) const {
  return static_cast<TransactionOwner>(transactions_.userData(clientTx));
}

// The proxy's state for a request goes with its server transaction (RFC 6026: after the final
// response's retransmission window), when every branch has long completed or been cancelled.
void ProxyCore::onTerminated(TransactionId tx, std::uint64_t userData) {
  switch (static_cast<TransactionOwner>(userData)) {
    case TransactionOwner::Originator:
      return originator_.onTerminated(tx);
    case TransactionOwner::Renegotiation:
      renegotiationInvites_.erase(tx);
      return;
    case TransactionOwner::Trunk:
    case TransactionOwner::Probe:
      return;
    case TransactionOwner::DtmfInfo:
      return dtmfInfo_.onFinal(tx, 408);  // ended unanswered: its digits must not stall
    case TransactionOwner::Transfer:
      return transfers_.onFinal(tx, 408);
    case TransactionOwner::Proxy:
      break;
  }
  const auto client = clientToServer_.find(tx);
  if (client != clientToServer_.end()) {
    auto [pt, index] = findBranch(tx);
    if (pt && pt->branches[index].state != Branch::State::Completed) {
      // Ended without a final response reaching us (e.g. 2xx-less CANCEL race): count it done.
      branchCompleted(*pt, index, pt->request.makeResponse(408, "Request Timeout"));
    }
    clientToServer_.erase(tx);
    return;
  }
  const auto server = byServerTx_.find(tx);
  if (server == byServerTx_.end()) return;
  for (auto& branch : server->second->branches) {
    timers_.cancel(branch.timerC);
    timers_.cancel(branch.failoverTimer);
    if (branch.clientTx != 0 && branch.state != Branch::State::Completed) {
      transactions_.cancel(branch.clientTx);
    }
    clientToServer_.erase(branch.clientTx);
  }
  byServerTx_.erase(server);
}

}  // namespace rtcgate::proxy
