// ProxyCore and the connections under it: what happens to registrations and calls when a TCP,
// TLS or WebSocket connection closes, how a side is reached again over a new connection, and how
// a browser's calls survive its WebSocket reconnecting (calls.reconnect_grace).
#include <spdlog/spdlog.h>

#include "proxy/ProxyCore.hpp"
#include "sip/NameAddr.hpp"

namespace rtcgate::proxy {

using sip::SipMessage;

void ProxyCore::onConnectionClosed(std::uint64_t connectionId) {
  // The browser that held these bindings may come back for its calls; the bindings go now.
  Registered registered;
  if (calls_.dialogs().carriesCalls(connectionId) && options_.reconnectGrace.count() > 0) {
    registered = location_.bindingsOn(connectionId);
  }
  const auto dropped = location_.onConnectionClosed(connectionId, reconnector());
  if (dropped)
    spdlog::info("connection {} closed: {} registrations dropped", connectionId, dropped);
  for (Dialog* dialog : calls_.dialogs().onConnection(connectionId)) {
    connectionLost(*dialog, connectionId, registered);
  }
}

// A call whose connection to one side closed. A phone, PBX or trunk over TCP/TLS is reached
// again by a new connection, so the call goes on. A browser is reached only over its WebSocket:
// its answered calls wait for it to reconnect, and end if it does not (the other side gets a BYE,
// the media goes). Calls not yet answered end at once: their responses could no longer reach
// their caller.
void ProxyCore::connectionLost(Dialog& dialog, std::uint64_t connectionId,
                               const Registered& registered) {
  const bool confirmed = dialog.state == Dialog::State::Confirmed;
  bool reachable = confirmed;
  for (DialogSide* side : {&dialog.caller, &dialog.callee}) {
    if (side->flow.connectionId != connectionId) continue;
    const auto flow = confirmed ? reconnectFlow(*side) : std::nullopt;
    if (flow) {
      calls_.dialogs().setFlow(*side, *flow);
      spdlog::info(
          "call {}: connection {} closed; the call goes on, requests to {} open a new "
          "connection to {}",
          dialog.callId, connectionId, side->uri, flow->remote.toString());
    } else if (!confirmed || !awaitReconnect(dialog, *side, connectionId, registered)) {
      reachable = false;
    }
  }
  if (reachable) return;
  spdlog::info("call {}: connection {} closed", dialog.callId, connectionId);
  if (!confirmed) {
    calls_.hangup(dialog.id, "connection-closed");
    return;
  }
  endForLostConnection(dialog, connectionId);
}

void ProxyCore::endForLostConnection(Dialog& dialog, std::uint64_t connectionId) {
  DialogSide& gone =
      dialog.caller.flow.connectionId == connectionId ? dialog.caller : dialog.callee;
  DialogSide& other = &gone == &dialog.caller ? dialog.callee : dialog.caller;
  dialog.endReason = "connection-closed";
  calls_.sendBye(dialog, other, gone);
  calls_.endDialog(dialog, "connection-closed", 200);
}

// The flow of the side an in-dialog request goes to, when the side is no longer on the
// connection its Record-Route token names.
std::optional<sip::Flow> ProxyCore::dialogFlowToward(const SipMessage& request,
                                                     std::uint64_t tokenConnection) const {
  const Dialog* dialog = calls_.dialogs().find(request.callId());
  if (dialog == nullptr || !dialog->hasTags(request.fromTag(), request.toTag())) {
    return std::nullopt;
  }
  const DialogSide& to = dialog->otherSide(request.fromTag());
  if (to.flow.connectionId == tokenConnection) return std::nullopt;
  return to.flow;
}

std::size_t ProxyCore::restoreRegistrations() { return location_.load(wallNow(), reconnector()); }

LocationService::Reconnect ProxyCore::reconnector() const {
  return [this](const Binding& binding) { return reconnectFlow(binding); };
}

std::optional<sip::Flow> ProxyCore::reconnectFlow(const Binding& binding) const {
  if (binding.outbound()) return std::nullopt;
  if (!binding.path.empty()) {
    return flowToward(binding.path.substr(0, binding.path.find(',')), binding.flow);
  }
  return flowToward(binding.contact, binding.flow);
}

std::optional<sip::Flow> ProxyCore::reconnectFlow(const DialogSide& side) const {
  return flowToward(side.routes.empty() ? side.contact : side.routes.front(), side.flow);
}

// A URI or name-addr ("<sip:pbx.example;lr>") to send to over a new connection, instead of the
// closed one. A URI that names the closed connection's own far end (a UA that put its source
// port in its Contact) accepts no new connection: nothing then.
std::optional<sip::Flow> ProxyCore::flowToward(std::string_view uri, const sip::Flow& was) const {
  if (sip::isWebSocket(was.transport)) return std::nullopt;
  const char* why = "";
  std::optional<sip::Flow> flow;
  if (uri.find('<') != std::string_view::npos) {
    const auto nameAddr = sip::parseNameAddr(uri);
    if (nameAddr) flow = resolver_.resolve(nameAddr->uri, why);
  } else if (const auto parsed = sip::parseUri(uri)) {
    flow = resolver_.resolve(*parsed, why);
  }
  if (flow && was.connectionId != 0 && flow->transport == was.transport &&
      flow->remote == was.remote) {
    return std::nullopt;
  }
  return flow;
}

// ------------------------------------------------------------------ WebSocket reconnects

namespace {

// The device behind a call's side among the bindings of its closed connection: an RFC 5626
// registration (instance and reg-id; only those name a device that can come back), the one whose
// Contact is the side's remote target, or the only one.
const std::pair<std::string, Binding>* deviceOf(
    const DialogSide& side, const std::vector<std::pair<std::string, Binding>>& registered) {
  const std::pair<std::string, Binding>* only = nullptr;
  std::size_t devices = 0;
  for (const auto& entry : registered) {
    if (!entry.second.outbound()) continue;
    if (side.contact.find(entry.second.contact) != std::string::npos) return &entry;
    only = &entry;
    ++devices;
  }
  return devices == 1 ? only : nullptr;
}

}  // namespace

bool ProxyCore::awaitReconnect(Dialog& dialog, const DialogSide& side, std::uint64_t connectionId,
                               const Registered& registered) {
  if (options_.reconnectGrace.count() == 0 || !sip::isWebSocket(side.flow.transport)) return false;
  const auto* device = deviceOf(side, registered);
  if (device == nullptr) return false;
  const std::uint64_t id = dialog.id;
  const auto timer = timers_.start(options_.reconnectGrace, [this, id] { reconnectGraceOver(id); });
  reconnects_.add(ReconnectGrace::registration(device->first, device->second.key),
                  {id, connectionId, timer});
  ++stats_.reconnectWaits;
  spdlog::info(
      "call {}: the WebSocket of {} ({}) closed; the call is kept {} s for it to reconnect",
      dialog.callId, side.uri, device->first,
      std::chrono::duration_cast<std::chrono::seconds>(options_.reconnectGrace).count());
  return true;
}

void ProxyCore::reconnectGraceOver(std::uint64_t dialogId) {
  const auto wait = reconnects_.forget(dialogId);
  Dialog* dialog = calls_.dialogs().findById(dialogId);
  if (!wait || dialog == nullptr) return;
  ++stats_.reconnectsExpired;
  spdlog::info("call {}: the browser did not reconnect in time; ending the call", dialog->callId);
  endForLostConnection(*dialog, wait->connectionId);
}

// Before a REGISTER over a WebSocket is applied: the connections the AOR's RFC 5626 bindings are
// on now, so that a device that moved to a new connection without our seeing the old one close
// (a half-open TCP connection) takes its calls along.
ProxyCore::Registered ProxyCore::previousFlows(std::string_view aor, const sip::Flow& flow) const {
  Registered previous;
  if (!sip::isWebSocket(flow.transport)) return previous;
  const auto* bindings = location_.find(aor);
  if (bindings == nullptr) return previous;
  for (const auto& binding : *bindings) {
    if (binding.outbound() && binding.flow.connectionId != flow.connectionId &&
        sip::isWebSocket(binding.flow.transport)) {
      previous.emplace_back(aor, binding);
    }
  }
  return previous;
}

// A REGISTER over this flow was accepted: calls waiting for its device, or still on the device's
// previous connection, move to the new one.
void ProxyCore::resumeCalls(std::string_view aor, const sip::Flow& flow,
                            const Registered& previous) {
  const auto* bindings = location_.find(aor);
  if (bindings == nullptr) return;
  for (const auto& binding : *bindings) {
    if (binding.flow.connectionId != flow.connectionId || !binding.outbound()) continue;
    if (!reconnects_.empty()) {
      for (const auto& wait : reconnects_.take(ReconnectGrace::registration(aor, binding.key))) {
        timers_.cancel(wait.timer);
        rebind(wait.dialogId, wait.connectionId, binding.flow);
      }
    }
    for (const auto& [unused, old] : previous) {
      if (old.key != binding.key || !calls_.dialogs().carriesCalls(old.flow.connectionId)) continue;
      for (Dialog* dialog : calls_.dialogs().onConnection(old.flow.connectionId)) {
        rebind(dialog->id, old.flow.connectionId, binding.flow);
      }
    }
  }
}

void ProxyCore::rebind(std::uint64_t dialogId, std::uint64_t oldConnection, const sip::Flow& flow) {
  Dialog* dialog = calls_.dialogs().findById(dialogId);
  if (dialog == nullptr) return;
  for (DialogSide* side : {&dialog->caller, &dialog->callee}) {
    if (side->flow.connectionId != oldConnection) continue;
    calls_.dialogs().setFlow(*side, flow);
    ++stats_.reconnectsResumed;
    spdlog::info("call {}: {} is back on connection {}; the call goes on", dialog->callId,
                 side->uri, flow.connectionId);
  }
}

}  // namespace rtcgate::proxy
