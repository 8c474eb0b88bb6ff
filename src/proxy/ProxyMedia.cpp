// ProxyCore's media anchoring and dialog tracking: which legs go through the relay, the offer and
// answer for each SDP that passes, and the calls the proxy ends on its own (timeouts, closed
// WebSockets, the calls API).
#include <spdlog/spdlog.h>

#include "ng/NgCallStats.hpp"
#include "proxy/MessageParts.hpp"
#include "proxy/ProxyCore.hpp"
#include "sip/NameAddr.hpp"

namespace rtcgate::proxy {

using sip::HeaderId;
using sip::Method;
using sip::SipMessage;
using transaction::TransactionId;

namespace {

bool isInitialInvite(const SipMessage& request) {
  return request.method() == Method::Invite && request.toTag().empty();
}

// Held when every stream is sendonly or inactive (RFC 3264 8.4).
bool holdsMedia(std::string_view sdp) {
  return sdp.find("a=sendonly") != std::string_view::npos ||
         sdp.find("a=inactive") != std::string_view::npos;
}

}  // namespace

void ProxyCore::setMediaControl(mediacontrol::MediaControl* control) {
  media_ = control ? std::make_unique<MediaAnchor>(*control) : nullptr;
  if (dialogSweep_ == 0 && options_.dialogSweepInterval.count() > 0) sweepDialogs();
}

// ------------------------------------------------------------------ requests

void ProxyCore::planMedia(ProxyTransaction& pt) {
  const auto& request = pt.request;
  if (!media_ || (request.method() != Method::Invite && request.method() != Method::Update)) return;
  if (request.toTag().empty()) {
    pt.sourceLeg = mediaPolicy_.legOf(pt.source.transport, request.body());
  } else {
    const Dialog* dialog = dialogOf(request);
    if (dialog == nullptr || !dialog->anchored) return;
    pt.sourceLeg = dialog->sideOf(request.fromTag()).leg;
  }
  if (carriesSdp(request)) {
    pt.mediaRole = ProxyTransaction::MediaRole::Offer;
  } else if (request.method() == Method::Invite) {
    pt.mediaRole = ProxyTransaction::MediaRole::LateOffer;
  }
}

bool ProxyCore::anchorsBranch(const ProxyTransaction& pt, const Target& target, MediaLeg& leg) {
  if (pt.mediaRole == ProxyTransaction::MediaRole::None) return false;
  if (!pt.request.toTag().empty()) {
    Dialog* dialog = dialogOf(pt.request);
    if (dialog == nullptr) return false;
    leg = dialog->otherSide(pt.request.fromTag()).leg;
    return dialog->anchored;
  }
  leg = mediaPolicy_.legToward(target.flow.transport, routes_.targetMedia(target.requestUri));
  return mediaPolicy_.anchors(pt.sourceLeg, leg);
}

void ProxyCore::trackRequest(ProxyTransaction& pt) {
  const auto& request = pt.request;
  if (isInitialInvite(request)) {
    if (dialogOf(request) != nullptr) return;  // a spiral or a second INVITE: one record per call
    Dialog& dialog = dialogs_.create(std::string(request.callId()));
    dialog.caller.tag = std::string(request.fromTag());
    dialog.caller.uri = uriOf(request.find(HeaderId::From));
    dialog.caller.nameAddr = std::string(request.find(HeaderId::From)->value);
    dialog.callee.uri = uriOf(request.find(HeaderId::To));
    dialog.caller.contact = contactUri(request);
    dialogs_.setFlow(dialog.caller, pt.source);
    dialog.caller.cseq = request.cseq();
    dialog.caller.leg = mediaPolicy_.legOf(pt.source.transport, request.body());
    if (pt.fromStranger) dialogs_.countAsStranger(dialog);
    spdlog::info("call {}: {} -> {} from {} {}", dialog.callId, dialog.caller.uri,
                 dialog.callee.uri, sip::viaTransportName(pt.source.transport),
                 pt.source.remote.toString());
    callEvent("incoming", dialog);
    return;
  }
  Dialog* dialog = dialogOf(request);
  if (dialog == nullptr && request.method() == Method::Bye && !request.toTag().empty()) {
    releaseUnknownCallMedia(request);
    return;
  }
  if (dialog == nullptr || request.toTag().empty()) return;
  DialogSide& side = dialog->sideOf(request.fromTag());
  side.cseq = std::max(side.cseq, request.cseq());
  if (request.method() == Method::Bye) {
    const bool byCaller = request.fromTag() == dialog->caller.tag;
    spdlog::info("call {}: BYE from the {}", dialog->callId, byCaller ? "caller" : "callee");
    endDialog(*dialog, byCaller ? "caller-bye" : "callee-bye", 200);
  } else if ((request.method() == Method::Invite || request.method() == Method::Update) &&
             carriesSdp(request)) {
    const bool hold = holdsMedia(request.body());
    const bool changed = hold != dialog->onHold;
    dialog->onHold = hold;
    if (changed) {
      spdlog::info("call {}: {} by the {}", dialog->callId, hold ? "held" : "resumed",
                   request.fromTag() == dialog->caller.tag ? "caller" : "callee");
      callEvent(hold ? "held" : "resumed", *dialog);
    }
  }
}

// The offer goes to the relay first; the branch leaves with the relay's SDP.
void ProxyCore::offerBranch(ProxyTransaction& pt, std::size_t index, SipMessage&& request,
                            const sip::Flow& flow) {
  const auto& branch = pt.branches[index];
  SdpExchange exchange;
  exchange.callId = std::string(pt.request.callId());
  exchange.fromTag = std::string(pt.request.fromTag());
  exchange.toTag = std::string(pt.request.toTag());
  if (pt.request.toTag().empty()) exchange.viaBranch = branch.viaBranch;
  exchange.sdp = std::string(pt.request.body());
  exchange.flags = mediaPolicy_.flags(branch.leg, pt.sourceLeg);
  auto pending = std::make_shared<SipMessage>(std::move(request));
  const auto serverTx = pt.serverTx;
  if (Dialog* dialog = dialogOf(pt.request)) {
    dialog->relayOffered = true;
    dialog->sideOf(exchange.fromTag).sdp = exchange.sdp;
  }
  media_->offer(exchange, [this, serverTx, index, pending, flow](MediaAnchor::SdpResult sdp) {
    const auto it = byServerTx_.find(serverTx);
    if (it == byServerTx_.end()) return;
    auto& owner = *it->second;
    if (owner.cancelled || (owner.finalSent && isInitialInvite(owner.request))) {
      releaseBranchMedia(owner, index);
      branchCompleted(owner, index, owner.request.makeResponse(487, "Request Terminated"));
      return;
    }
    if (!sdp) {
      const auto status = MediaAnchor::sipStatus(sdp.error().kind);
      branchCompleted(owner, index, owner.request.makeResponse(status.code, status.reason));
      return;
    }
    pending->setBody(std::move(*sdp), "application/sdp");
    if (!sendBranch(owner, index, std::move(*pending), flow)) {
      if (owner.allBranchesCompleted() && !owner.finalSent) sendBestResponse(owner);
    }
  });
}

// ------------------------------------------------------------------ responses

// Responses leave in the order they arrived; one whose SDP is with the relay holds the others.
void ProxyCore::respondUpstream(ProxyTransaction& pt, std::size_t branch, SipMessage&& response) {
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
    const bool waiting = exchangeResponseSdp(
        pt, next.branch, next.response, [this, serverTx](MediaAnchor::SdpResult sdp) {
          const auto found = byServerTx_.find(serverTx);
          if (found == byServerTx_.end()) return;
          auto& owner = *found->second;
          owner.upstreamBusy = false;
          auto item = std::move(owner.upstream.front());
          owner.upstream.pop_front();
          if (sdp) {
            item.response.setBody(std::move(*sdp), "application/sdp");
          } else {
            spdlog::warn("call {}: {} forwarded with its SDP unchanged", owner.request.callId(),
                         item.response.statusCode());
          }
          respond(serverTx, std::move(item.response));
          drainUpstream(serverTx);
        });
    if (waiting) {
      pt.upstreamBusy = true;
      return;
    }
    auto item = std::move(pt.upstream.front());
    pt.upstream.pop_front();
    respond(serverTx, std::move(item.response));
  }
}

// Starts the relay's part for a response with SDP on an anchored branch; false when there is none.
bool ProxyCore::exchangeResponseSdp(ProxyTransaction& pt, std::size_t index, SipMessage& response,
                                    MediaAnchor::SdpDone done) {
  if (index == ProxyTransaction::kNoBranch || index >= pt.branches.size()) return false;
  const auto& branch = pt.branches[index];
  const int status = response.statusCode();
  if (!branch.anchored || status < 101 || status >= 300 || !carriesSdp(response)) return false;
  SdpExchange exchange;
  exchange.callId = std::string(pt.request.callId());
  exchange.sdp = std::string(response.body());
  exchange.flags = mediaPolicy_.flags(pt.sourceLeg, branch.leg);
  if (pt.request.toTag().empty()) exchange.viaBranch = branch.viaBranch;
  // The responder's SDP: the side the request went to.
  if (Dialog* dialog = dialogOf(pt.request)) {
    dialog->otherSide(pt.request.fromTag()).sdp = exchange.sdp;
  }
  if (pt.mediaRole == ProxyTransaction::MediaRole::Offer) {
    exchange.fromTag = std::string(pt.request.fromTag());
    exchange.toTag = std::string(response.toTag());
    media_->answer(exchange, std::move(done));
    return true;
  }
  if (pt.mediaRole != ProxyTransaction::MediaRole::LateOffer || status < 200) return false;
  // Late offer: the callee's 2xx offers, the caller answers in the ACK.
  exchange.fromTag = std::string(response.toTag());
  exchange.toTag = std::string(pt.request.fromTag());
  if (Dialog* dialog = dialogOf(pt.request)) dialog->lateOfferFrom = exchange.fromTag;
  media_->offer(exchange, std::move(done));
  return true;
}

void ProxyCore::forwardResponseUpstream(ProxyTransaction& pt, std::size_t branch,
                                        SipMessage&& response) {
  trackResponse(pt, branch, response);
  respondUpstream(pt, branch, std::move(response));
}

// Dialog state from a provisional or 2xx response to the INVITE that started the call.
void ProxyCore::trackResponse(ProxyTransaction& pt, std::size_t index, const SipMessage& response) {
  if (!isInitialInvite(pt.request)) return;
  Dialog* dialog = dialogOf(pt.request);
  if (dialog == nullptr || dialog->state == Dialog::State::Confirmed) return;
  const int status = response.statusCode();
  const auto& branch = pt.branches[index];
  const char* event = nullptr;
  if (status >= 200 && status < 300) {
    dialog->state = Dialog::State::Confirmed;
    dialog->answered = timers_.wallNow();
    dialog->answeredAt = timers_.now();
    dialogs_.countAnswered();
    event = "answered";
  } else if (status > 100 && !response.toTag().empty()) {
    if (dialog->state != Dialog::State::Early) event = "ringing";
    dialog->state = Dialog::State::Early;
  } else {
    return;
  }
  dialog->anchored = branch.anchored;
  dialog->callee.tag = std::string(response.toTag());
  dialog->callee.nameAddr = std::string(response.find(HeaderId::To)->value);
  dialog->callee.contact = contactUri(response);
  dialogs_.setFlow(dialog->callee, branch.flow);
  dialog->callee.leg = branch.leg;
  if (!branch.anchored) dialog->callee.leg = mediaPolicy_.legOf(branch.flow.transport);
  // Route sets from the Record-Route of the answer: the entries above ours lead to the callee
  // (nearest first once reversed), those below ours to the caller.
  std::vector<std::string> above, below;
  bool seenOurs = false;
  for (const auto& value : response.all(HeaderId::RecordRoute)) {
    const auto entry = sip::parseNameAddr(value);
    const bool ours = entry && identity_.isOurAddress(entry->uri);
    if (ours) {
      seenOurs = true;
      continue;
    }
    (seenOurs ? below : above).push_back("<" + std::string(entry ? entry->uriText : value) + ">");
  }
  dialog->callee.routes.assign(above.rbegin(), above.rend());
  dialog->caller.routes = std::move(below);
  if (status >= 200) {
    spdlog::info("call {}: answered by {} ({}), media {}", dialog->callId, dialog->callee.contact,
                 sip::viaTransportName(branch.flow.transport),
                 dialog->anchored ? "through the relay" : "direct");
  }
  if (event != nullptr) callEvent(event, *dialog);
}

void ProxyCore::releaseBranchMedia(const ProxyTransaction& pt, std::size_t index) {
  if (!media_ || index >= pt.branches.size() || !pt.branches[index].anchored) return;
  if (!isInitialInvite(pt.request)) return;
  media_->remove(std::string(pt.request.callId()), std::string(pt.request.fromTag()),
                 pt.branches[index].viaBranch);
}

// ------------------------------------------------------------------ ACK

// The ACK of a late offer carries the answer: it goes to the relay before the ACK goes on.
bool ProxyCore::ackWithMedia(SipMessage& ack, const RouteInfo& route) {
  Dialog* dialog = dialogOf(ack);
  if (!media_ || dialog == nullptr || dialog->lateOfferFrom.empty() || !carriesSdp(ack)) {
    return false;
  }
  SdpExchange exchange;
  exchange.callId = dialog->callId;
  exchange.fromTag = dialog->lateOfferFrom;
  exchange.toTag = std::string(ack.fromTag());
  exchange.sdp = std::string(ack.body());
  exchange.flags =
      mediaPolicy_.flags(dialog->sideOf(exchange.fromTag).leg, dialog->sideOf(exchange.toTag).leg);
  dialog->lateOfferFrom.clear();
  dialog->sideOf(exchange.toTag).sdp = exchange.sdp;
  auto pending = std::make_shared<SipMessage>(std::move(ack));
  media_->answer(exchange, [this, pending, route](MediaAnchor::SdpResult sdp) {
    if (sdp) pending->setBody(std::move(*sdp), "application/sdp");
    forwardStateless(std::move(*pending), route);
  });
  return true;
}

// ------------------------------------------------------------------ ending calls

// A BYE of a call this process does not know was placed before a restart (dialogs live in
// memory; relays keep their calls). Its media session would otherwise stay on the relay until
// the media timeout; with several relays the pool asks each of them, since it did not place it.
void ProxyCore::releaseUnknownCallMedia(const sip::SipMessage& bye) {
  if (!media_) return;
  spdlog::info(
      "call {}: BYE for a call not tracked here (placed before a restart?): releasing "
      "its media on the relay",
      bye.callId());
  media_->remove(std::string(bye.callId()), {}, {});
}

void ProxyCore::endDialog(Dialog& dialog, std::string reason, int code) {
  sessionTimers_.stop(dialog.id);
  if (dialog.originated) originator_.forget(dialog.id);
  if (!relayMoves_.empty()) forgetMove(dialog.id);
  if (!reconnects_.empty()) {
    if (const auto wait = reconnects_.forget(dialog.id)) timers_.cancel(wait->timer);
  }
  // Calls may have offered branches to the relay even when the answer came direct (forking to a
  // browser and a phone): the relay's call goes only with a delete of the whole call.
  const bool release = media_ && (dialog.anchored || dialog.relayOffered ||
                                  dialog.state != Dialog::State::Confirmed);
  spdlog::info("call {}: ended ({}, {})", dialog.callId, reason, code);
  auto record = std::make_shared<Dialog>(dialogs_.end(dialog, std::move(reason), code));
  callEvent("ended", *record);
  if (!release) {
    if (callEnded_) callEnded_(*record, nullptr);
    return;
  }
  media_->remove(record->callId, {}, {}, [this, record](mediacontrol::MediaControl::Reply report) {
    const bool stats = report && report->stringAt("result") == "ok" && record->anchored;
    if (callEnded_) callEnded_(*record, stats ? &*report : nullptr);
  });
}

bool ProxyCore::hangup(std::uint64_t dialogId, const std::string& reason) {
  Dialog* dialog = dialogs_.findById(dialogId);
  if (dialog == nullptr) return false;
  if (dialog->state != Dialog::State::Confirmed) {
    if (dialog->originated) return originator_.hangup(*dialog, reason);
    // Not answered yet: cancel the INVITE; its 487 ends the call.
    for (auto& [tx, pt] : byServerTx_) {
      if (pt->request.callId() == dialog->callId && isInitialInvite(pt->request) &&
          !pt->finalSent) {
        pt->cancelled = true;
        dialog->endReason = reason;
        cancelPendingBranches(*pt);
        return true;
      }
    }
    endDialog(*dialog, reason, 487);
    return true;
  }
  dialog->endReason = reason;
  sendBye(*dialog, dialog->callee, dialog->caller);
  sendBye(*dialog, dialog->caller, dialog->callee);
  endDialog(*dialog, reason, 200);
  return true;
}

// A BYE of our own to one side, as if the other side had sent it (RFC 3261 16.3 allows a proxy
// nothing of the sort; this is the B2BUA-like act every gateway performs on timeouts).
void ProxyCore::sendBye(Dialog& dialog, DialogSide& to, DialogSide& from) {
  if (to.contact.empty() || to.nameAddr.empty() || (!to.local && from.nameAddr.empty())) return;
  auto request = requestToward(dialog, to, from, "BYE");
  const auto via = identity_.via(to.flow, transactions_.newBranch());
  const std::string reason = "Reason: SIP;cause=200;text=\"" + dialog.endReason + "\"\r\n";
  request.via = via;
  request.extraHeaders = reason;
  auto bye = SipMessage::parse(request.write());
  if (!bye) {
    spdlog::warn("call {}: cannot build a BYE: {}", dialog.callId, bye.error());
    return;
  }
  if (auto sent = transactions_.sendRequest(std::move(*bye), sendingFlow(to.flow)); !sent) {
    spdlog::info("call {}: BYE to {} not sent: {}", dialog.callId, to.flow.remote.toString(),
                 sent.error());
  }
}

void ProxyCore::sweepDialogs() {
  dialogSweep_ = timers_.start(options_.dialogSweepInterval, [this] {
    dialogSweep_ = 0;
    const auto now = timers_.now();
    std::vector<std::uint64_t> expired;
    dialogs_.forEach([&](Dialog& dialog) {
      if (dialog.state == Dialog::State::Confirmed && options_.dialogTimeout.count() > 0 &&
          now - dialog.answeredAt > options_.dialogTimeout) {
        expired.push_back(dialog.id);
      } else if (dialog.state == Dialog::State::Confirmed && dialog.anchored && media_ &&
                 options_.mediaTimeout.count() > 0) {
        checkMedia(dialog.id, dialog.callId);
      }
    });
    for (auto id : expired) hangup(id, "dialog-timeout");
    sweepDialogs();
  });
}

// The relay knows when media last flowed; a call whose media stopped (or whose relay session is
// gone) is ended on both sides.
void ProxyCore::checkMedia(std::uint64_t dialogId, const std::string& callId) {
  media_->query(callId, [this, dialogId](mediacontrol::MediaControl::Reply reply) {
    Dialog* dialog = dialogs_.findById(dialogId);
    if (!reply || dialog == nullptr || dialog->state != Dialog::State::Confirmed) return;
    if (reply->stringAt("result") != "ok") {
      spdlog::info("call {}: the relay no longer has its media ({})", dialog->callId,
                   reply->stringAt("error-reason"));
      hangup(dialogId, "media-timeout");
      return;
    }
    const auto last = newestPacket(*reply);
    const auto since = std::max(last, unixSeconds(dialog->answered));
    const auto now = unixSeconds(timers_.wallNow());
    if (now - since >
        std::chrono::duration_cast<std::chrono::seconds>(options_.mediaTimeout).count()) {
      hangup(dialogId, "media-timeout");
    }
  });
}

// Newest "last packet" (unix seconds) of any stream in a query reply (rtcgate's or RTPEngine's).
std::int64_t ProxyCore::newestPacket(const ng::Value& reply) {
  return ng::NgCallStats(reply).newestPacket();
}

}  // namespace rtcgate::proxy
