#pragma once

#include <string_view>

#include "ng/Value.hpp"
#include "proxy/Dialog.hpp"
#include "proxy/DtmfDigit.hpp"
#include "proxy/RecordingChange.hpp"
#include "proxy/TransferUpdate.hpp"

namespace rtcgate::proxy {

// The steps of a call, in the order they can happen; Held and Resumed may repeat.
enum class CallEvent { Incoming, Ringing, Answered, Held, Resumed, Ended };

// The event's name in events ("call.<name>"), logs and tests.
constexpr std::string_view callEventName(CallEvent event) {
  switch (event) {
    case CallEvent::Incoming:
      return "incoming";
    case CallEvent::Ringing:
      return "ringing";
    case CallEvent::Answered:
      return "answered";
    case CallEvent::Held:
      return "held";
    case CallEvent::Resumed:
      return "resumed";
    case CallEvent::Ended:
      return "ended";
  }
  return "ended";
}

// Who wants to know what becomes of calls (events, metrics, CDRs, the relay watch): told on the
// signalling loop, in the order the observers were added (in one place, the Gateway).
class CallObserver {
 public:
  virtual ~CallObserver() = default;
  // Every step; on Ended the dialog's endReason and endCode say why.
  virtual void onCallEvent(CallEvent /*event*/, const Dialog& /*call*/) {}
  // After Ended, once the relay's final statistics are in: `mediaReport` is its delete (or query)
  // reply when the call's media went through the relay, else nullptr.
  virtual void onCallRecord(const Dialog& /*call*/, const ng::Value* /*mediaReport*/) {}
  // A digit the call carried (RFC 4733 seen by the embedded relay, a party's SIP INFO, or sent
  // through the API), in the order the parties sent them.
  virtual void onDtmf(const Dialog& /*call*/, const DtmfDigit& /*digit*/) {}
  // The relay started or stopped recording the call.
  virtual void onRecording(const Dialog& /*call*/, const RecordingChange& /*change*/) {}
  // A step of a blind transfer of the call (before the call's own end when it completed).
  virtual void onTransfer(const Dialog& /*call*/, const TransferUpdate& /*update*/) {}
};

}  // namespace rtcgate::proxy
