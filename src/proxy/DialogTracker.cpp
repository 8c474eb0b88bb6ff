#include "proxy/DialogTracker.hpp"

namespace rtcgate::proxy {

std::string Dialog::stateName() const {
  switch (state) {
    case State::Trying:
      return "ringing";
    case State::Early:
      return "early";
    case State::Confirmed:
      return onHold ? "on-hold" : "confirmed";
    case State::Terminated:
      return "terminated";
  }
  return "unknown";
}

std::string Dialog::failureReason(int status) {
  switch (status) {
    case 487:
      return "cancelled";
    case 486:
    case 600:
      return "busy";
    case 408:
      return "no-answer";
    case 480:
      return "unavailable";
    case 404:
      return "not-found";
    default:
      return "failed-" + std::to_string(status);
  }
}

bool Dialog::hasTags(std::string_view fromTag, std::string_view toTag) const {
  if (fromTag.empty() || toTag.empty()) return false;
  const bool calleeKnown = !callee.tag.empty() && state == State::Confirmed;
  if (fromTag == caller.tag) return !calleeKnown || toTag == callee.tag;
  if (toTag != caller.tag) return false;
  return !calleeKnown || fromTag == callee.tag;
}

Dialog& DialogTracker::create(std::string callId) {
  const auto id = nextId_++;
  auto& dialog = byId_[id];
  dialog.id = id;
  dialog.callId = std::move(callId);
  dialog.created = timers_.wallNow();
  byCallId_[dialog.callId] = id;
  return dialog;
}

void DialogTracker::addCallId(const Dialog& dialog, const std::string& callId) {
  byCallId_[callId] = dialog.id;
}

Dialog* DialogTracker::find(std::string_view callId) {
  const auto it = byCallId_.find(std::string(callId));
  return it == byCallId_.end() ? nullptr : findById(it->second);
}

const Dialog* DialogTracker::find(std::string_view callId) const {
  const auto it = byCallId_.find(std::string(callId));
  if (it == byCallId_.end()) return nullptr;
  const auto dialog = byId_.find(it->second);
  return dialog == byId_.end() ? nullptr : &dialog->second;
}

Dialog* DialogTracker::findById(std::uint64_t id) {
  const auto it = byId_.find(id);
  return it == byId_.end() ? nullptr : &it->second;
}

namespace {
SocketAddress hostOnly(SocketAddress address) {
  address.setPort(0);
  return address;
}
}  // namespace

void DialogTracker::countAsStranger(Dialog& dialog) {
  if (dialog.fromStranger) return;
  dialog.fromStranger = true;
  ++strangerCalls_[hostOnly(dialog.caller.flow.remote)];
}

std::size_t DialogTracker::strangerCalls(const SocketAddress& source) const {
  const auto it = strangerCalls_.find(hostOnly(source));
  return it == strangerCalls_.end() ? 0 : it->second;
}

void DialogTracker::countConnection(std::uint64_t connectionId, int delta) {
  if (connectionId == 0) return;
  if (delta > 0) {
    ++callsByConnection_[connectionId];
    return;
  }
  const auto it = callsByConnection_.find(connectionId);
  if (it != callsByConnection_.end() && --it->second == 0) callsByConnection_.erase(it);
}

void DialogTracker::setFlow(DialogSide& side, const sip::Flow& flow) {
  countConnection(side.flow.connectionId, -1);
  side.flow = flow;
  countConnection(side.flow.connectionId, +1);
}

Dialog DialogTracker::end(Dialog& dialog, std::string reason, int code) {
  countConnection(dialog.caller.flow.connectionId, -1);
  countConnection(dialog.callee.flow.connectionId, -1);
  if (dialog.fromStranger) {
    const auto it = strangerCalls_.find(hostOnly(dialog.caller.flow.remote));
    if (it != strangerCalls_.end() && --it->second == 0) strangerCalls_.erase(it);
  }
  dialog.state = Dialog::State::Terminated;
  dialog.ended = timers_.wallNow();
  dialog.endReason = std::move(reason);
  dialog.endCode = code;
  Dialog record = std::move(dialog);
  byCallId_.erase(record.callId);
  for (const DialogSide* side : {&record.caller, &record.callee}) {
    if (side->local) byCallId_.erase(side->local->callId);
  }
  byId_.erase(record.id);
  return record;
}

std::vector<Dialog*> DialogTracker::onConnection(std::uint64_t connectionId) {
  std::vector<Dialog*> found;
  if (!carriesCalls(connectionId)) return found;
  for (auto& [id, dialog] : byId_) {
    if (dialog.caller.flow.connectionId == connectionId ||
        dialog.callee.flow.connectionId == connectionId) {
      found.push_back(&dialog);
    }
  }
  return found;
}

}  // namespace rtcgate::proxy
