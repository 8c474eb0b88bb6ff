#pragma once

#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/SocketAddress.hpp"
#include "base/Timers.hpp"
#include "proxy/Dialog.hpp"

namespace rtcgate::proxy {

// The calls in progress, by Call-ID and by our own numeric id (the calls API's id).
class DialogTracker {
 public:
  // Start and end times are read from timers.wallNow(), so tests can assert them.
  explicit DialogTracker(const Timers& timers) : timers_(timers) {}

  Dialog& create(std::string callId);
  // A second Call-ID for the same call (the other leg of a call we originated).
  void addCallId(const Dialog& dialog, const std::string& callId);
  Dialog* find(std::string_view callId);
  const Dialog* find(std::string_view callId) const;
  Dialog* findById(std::uint64_t id);
  // Marks the dialog terminated and forgets it; the record is handed back (for the CDR).
  Dialog end(Dialog& dialog, std::string reason, int code);
  std::size_t size() const { return byCallId_.size(); }
  // Counts the dialog against its caller's address until it ends: the calls of unauthenticated
  // sources are what an attacker can open from one address, each holding relay ports.
  void countAsStranger(Dialog& dialog);
  std::size_t strangerCalls(const SocketAddress& source) const;
  // Dialogs with a side on this connection.
  std::vector<Dialog*> onConnection(std::uint64_t connectionId);
  // Sets the flow of a side of a tracked dialog, keeping count of the calls on each connection
  // (so that a connection carrying a call is never closed for idleness).
  void setFlow(DialogSide& side, const sip::Flow& flow);
  bool carriesCalls(std::uint64_t connectionId) const {
    return connectionId != 0 && callsByConnection_.contains(connectionId);
  }
  template <typename F>
  void forEach(F&& f) {
    for (auto& [id, dialog] : byId_) f(dialog);
  }

  std::uint64_t startedTotal() const { return nextId_ - 1; }
  std::uint64_t answeredTotal() const { return answered_; }
  void countAnswered() { ++answered_; }

 private:
  const Timers& timers_;
  std::map<std::uint64_t, Dialog> byId_;  // ordered: the API lists oldest first
  std::unordered_map<std::string, std::uint64_t> byCallId_;
  std::unordered_map<SocketAddress, std::size_t, SocketAddressHash> strangerCalls_;  // host, port 0
  std::unordered_map<std::uint64_t, std::size_t> callsByConnection_;  // sides on each connection

  void countConnection(std::uint64_t connectionId, int delta);
  std::uint64_t nextId_ = 1;
  std::uint64_t answered_ = 0;
};

}  // namespace rtcgate::proxy
