// Where ProxyCore's forwarding meets its calls (CallManager): an offer that goes to the relay
// before its branch leaves, responses that leave upstream in the order they came while the relay
// rewrites one of them, the ACK that carries a late answer, and the proxy's own state that goes
// when a call ends.
#include <spdlog/spdlog.h>

#include "proxy/MessageParts.hpp"
#include "proxy/ProxyCore.hpp"

namespace rtcgate::proxy {

using sip::SipMessage;
using transaction::TransactionId;

// ------------------------------------------------------------------ branches

void ProxyCore::offerBranch(ProxyTransaction& pt, std::size_t index, SipMessage&& request,
                            const sip::Flow& flow) {
  auto pending = std::make_shared<SipMessage>(std::move(request));
  const auto serverTx = pt.serverTx;
  const auto hook =
      calls_.beforeBranch(pt, index, [this, serverTx, index, pending, flow](auto sdp) {
        branchOffered(serverTx, index, pending, flow, std::move(sdp));
      });
  if (hook == HookResult::Continue) sendBranch(pt, index, std::move(*pending), flow);
}

// The relay has the offer: the branch leaves with its SDP, unless the call went meanwhile.
void ProxyCore::branchOffered(TransactionId serverTx, std::size_t index,
                              std::shared_ptr<SipMessage> request, const sip::Flow& flow,
                              MediaAnchor::SdpResult sdp) {
  const auto it = byServerTx_.find(serverTx);
  if (it == byServerTx_.end()) return;
  auto& pt = *it->second;
  if (pt.cancelled || (pt.finalSent && isInitialInvite(pt.request))) {
    calls_.releaseBranchMedia(pt, index);
    branchCompleted(pt, index, pt.request.makeResponse(487, "Request Terminated"));
    return;
  }
  if (!sdp) {
    const auto status = MediaAnchor::sipStatus(sdp.error().kind);
    branchCompleted(pt, index, pt.request.makeResponse(status.code, status.reason));
    return;
  }
  request->setBody(std::move(*sdp), "application/sdp");
  if (!sendBranch(pt, index, std::move(*request), flow)) {
    if (pt.allBranchesCompleted() && !pt.finalSent) sendBestResponse(pt);
  }
}

// ------------------------------------------------------------------ responses

void ProxyCore::forwardResponseUpstream(ProxyTransaction& pt, std::size_t branch,
                                        SipMessage&& response) {
  calls_.trackResponse(pt, branch, response);
  respondUpstream(pt, branch, std::move(response));
}

// Responses leave in the order they arrived; one whose SDP is with the relay holds the others.
void ProxyCore::respondUpstream(ProxyTransaction& pt, std::size_t branch, SipMessage&& response) {
  if (pt.presented) restoreCaller(pt, response);
  pt.upstream.push_back({std::move(response), branch});
  if (!pt.upstreamBusy) drainUpstream(pt.serverTx);
}

void ProxyCore::drainUpstream(TransactionId serverTx) {
  while (true) {
    const auto it = byServerTx_.find(serverTx);
    if (it == byServerTx_.end()) return;
    auto& pt = *it->second;
    if (pt.upstream.empty() || pt.upstreamBusy) return;
    auto& next = pt.upstream.front();
    const auto hook = calls_.beforeUpstream(
        pt, next.branch, next.response,
        [this, serverTx](auto sdp) { upstreamRewritten(serverTx, std::move(sdp)); });
    if (hook == HookResult::Hold) {
      pt.upstreamBusy = true;
      return;
    }
    auto item = std::move(pt.upstream.front());
    pt.upstream.pop_front();
    respond(serverTx, std::move(item.response));
  }
}

// The relay has rewritten (or failed to rewrite) the SDP of the response at the head of the
// queue: it leaves, and the ones held behind it follow.
void ProxyCore::upstreamRewritten(TransactionId serverTx, MediaAnchor::SdpResult sdp) {
  const auto found = byServerTx_.find(serverTx);
  if (found == byServerTx_.end()) return;
  auto& pt = *found->second;
  pt.upstreamBusy = false;
  auto item = std::move(pt.upstream.front());
  pt.upstream.pop_front();
  if (sdp) {
    item.response.setBody(std::move(*sdp), "application/sdp");
  } else {
    spdlog::warn("call {}: {} forwarded with its SDP unchanged", pt.request.callId(),
                 item.response.statusCode());
  }
  respond(serverTx, std::move(item.response));
  drainUpstream(serverTx);
}

// ------------------------------------------------------------------ ACK

// The ACK of a late offer carries the answer: it goes to the relay before the ACK goes on.
bool ProxyCore::ackWithMedia(SipMessage& ack, const RouteInfo& route) {
  const auto hook = calls_.beforeAck(
      ack, [this, route](SipMessage&& answered) { forwardStateless(std::move(answered), route); });
  return hook == HookResult::Hold;
}

// ------------------------------------------------------------------ CallManager::Delegate

bool ProxyCore::cancelUnanswered(Dialog& dialog, const std::string& reason) {
  if (dialog.originated) return originator_.hangup(dialog, reason);
  for (auto& [tx, pt] : byServerTx_) {
    if (pt->request.callId() == dialog.callId && isInitialInvite(pt->request) && !pt->finalSent) {
      pt->cancelled = true;
      dialog.endReason = reason;
      cancelPendingBranches(*pt);
      return true;
    }
  }
  return false;
}

void ProxyCore::callEnding(const Dialog& dialog) {
  sessionTimers_.stop(dialog.id);
  if (dialog.originated) originator_.forget(dialog.id);
  if (!renegotiations_.empty()) forgetRenegotiation(dialog.id);
  dtmfInfo_.forget(dialog.id);
  transfers_.forget(dialog.id);
  if (dialog.recording) {
    // The relay closes the file when the call's media is deleted.
    calls_.recordingEvent(
        dialog,
        RecordingChange{.started = false, .file = dialog.recordingFile, .reason = "call-ended"});
  }
  if (!reconnects_.empty()) {
    if (const auto wait = reconnects_.forget(dialog.id)) timers_.cancel(wait->timer);
  }
}

}  // namespace rtcgate::proxy
