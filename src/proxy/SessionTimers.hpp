#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <unordered_map>

#include "base/Timers.hpp"
#include "sip/SipMessage.hpp"

namespace rtcgate::proxy {

struct SessionTimerOptions {
  // The smallest session interval we accept (our Min-SE, RFC 4028 5): RFC 4028 sets the floor at
  // 90 s; the configuration accepts lower values with a warning (tests, labs).
  std::uint32_t minSessionExpires = 90;
  // Inserted into an INVITE whose caller supports timers but asked for none (RFC 4028 8.1 lets a
  // proxy do so); 0: we ask for nothing.
  std::uint32_t sessionExpires = 0;
};

// Session timers as a proxy sees them (RFC 4028 8): requests that ask for a session interval
// below our Min-SE are refused (422) or raised, the interval a 2xx settles on is tracked per call,
// and a call whose session is not refreshed by then is reported once (the proxy ends it).
// Every successful refresh (re-INVITE or UPDATE answered 2xx) restarts the count.
// No I/O of its own: time through Timers, the end through the `expired` callback.
class SessionTimers {
 public:
  using Expired = std::function<void(std::uint64_t dialogId, std::chrono::seconds interval)>;

  SessionTimers(SessionTimerOptions options, Timers& timers, Expired expired);
  ~SessionTimers();
  SessionTimers(const SessionTimers&) = delete;
  SessionTimers& operator=(const SessionTimers&) = delete;

  // RFC 4028 8.1, for an INVITE or UPDATE about to be forwarded. false: the interval it asks for
  // is below our Min-SE and its sender supports timers, so it gets 422 with minSeValue(). Else
  // the request may have been edited: an interval below our Min-SE raised to it for a sender that
  // would not understand a 422, Min-SE raised to ours, our own Session-Expires inserted.
  bool admit(sip::SipMessage& request) const;
  std::string minSeValue() const { return std::to_string(options_.minSessionExpires); }

  // RFC 4028 8.2, for a 2xx to an INVITE or UPDATE we forwarded: the session interval it settles
  // on (0: no session timer). When the callee does not do timers but the caller does, the 2xx is
  // given `Session-Expires: <interval>;refresher=uac` and `Require: timer` so the caller refreshes.
  std::uint32_t negotiated(const sip::SipMessage& request, sip::SipMessage& response) const;

  // (Re)starts the count of a call: `expired` is called when `interval` passes without another
  // refreshed() or stop().
  void refreshed(std::uint64_t dialogId, std::chrono::seconds interval);
  void stop(std::uint64_t dialogId);
  std::size_t active() const { return running_.size(); }

 private:
  std::uint32_t floorFor(const sip::SipMessage& request) const;

  SessionTimerOptions options_;
  Timers& timers_;
  Expired expired_;
  std::unordered_map<std::uint64_t, Timers::Id> running_;  // dialog id -> its timer
};

}  // namespace rtcgate::proxy
