#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/Timers.hpp"
#include "proxy/DtmfMode.hpp"
#include "proxy/MediaPolicy.hpp"
#include "sdp/AudioFormats.hpp"
#include "sip/Transport.hpp"

namespace rtcgate::proxy {

using SystemTime = std::chrono::system_clock::time_point;

// Unix seconds of a dialog time, 0 for one that never happened (a call never answered).
inline std::int64_t unixSeconds(SystemTime time) {
  if (time == SystemTime{}) return 0;
  return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

// One end of a call as the proxy sees it: enough to address an in-dialog request to it.
struct DialogSide {
  std::string tag;
  std::string uri;       // From (caller) / To (callee) URI, for logs, CDRs and our own BYE
  std::string nameAddr;  // the From/To header value as sent, tags included
  // How the other side knows this one when not as nameAddr: a caller shown to a trunk as its
  // caller id (From with our `from_user`, this side's tag). "" = as nameAddr.
  std::string presentedAs;
  std::string contact;              // remote target (RFC 3261 12.1)
  std::vector<std::string> routes;  // Route set from us towards this side, in sending order
  sip::Flow flow;                   // how its requests reached us
  std::uint32_t cseq = 0;           // highest CSeq this side has sent
  // Requests we sent to the other side in this side's name (our re-INVITEs when the call moves
  // to another relay, our BYE): this side's later requests are numbered up by as many on the way
  // there, and the responses to them back down, so that the other side sees one CSeq sequence.
  std::uint32_t cseqShift = 0;
  // The last SDP this side sent, as it sent it, kept for calls through a relay: moving such a
  // call to another relay offers it again.
  std::string sdp;
  // The audio formats of the last SDP this side sent (offer or answer), for every call: which
  // codec each direction uses (StreamFormat).
  sdp::AudioFormats formats;
  MediaLeg leg = MediaLeg::Sip;
  std::string mediaInterface;      // the relay interface of this side's leg ("" = the default)
  DtmfMode dtmf = DtmfMode::Auto;  // how digits reach this side (calls.dtmf, routes[].dtmf)
  bool record = false;             // routes[].record: calls to this side are recorded once answered
  // Our own end of this side's dialog when we are the user agent toward it (calls originated
  // through the API, RFC 3725): its own Call-ID, our From header with our tag, our CSeq.
  struct LocalEnd {
    std::string callId;
    std::string nameAddr;
    std::uint32_t cseq = 1;
    std::string sdp;  // the last SDP we sent this side (our offer or answer)
  };
  std::optional<LocalEnd> local;
};

// A call the proxy has seen start with an INVITE (RFC 3261 12), tracked for the calls API,
// timeouts, CDRs and media: from the INVITE until a BYE, a final failure, or one of our timeouts.
struct Dialog {
  enum class State { Trying, Early, Confirmed, Terminated };

  std::uint64_t id = 0;
  std::string callId;
  DialogSide caller;
  DialogSide callee;
  State state = State::Trying;
  bool anchored = false;  // media goes through the relay
  // Some branch's offer went to the relay (the answer may still have come from a direct one):
  // the relay then holds the call until we delete it.
  bool relayOffered = false;
  bool onHold = false;
  // The relay's recording of the call: its file (kept once stopped, for the CDR), and whether
  // it is still being written.
  std::string recordingFile;
  bool recording = false;
  bool originated = false;  // started by us (POST /api/v1/calls): we are the UA on both sides
  // Its caller is unauthenticated: the call counts against its source address's share
  // (security.max_unauthenticated_calls_per_source) while it lasts.
  bool fromStranger = false;
  // Late offer: the 2xx carried the offer (from this tag); the ACK brings the answer.
  std::string lateOfferFrom;
  SystemTime created{};
  SystemTime answered{};
  SystemTime ended{};
  Clock::time_point answeredAt{};  // steady: what the dialog timeout counts from
  std::string endReason;  // "caller-bye", "callee-bye", "486", "cancelled", "media-timeout", ...
  int endCode = 0;        // the final SIP status (200 for answered calls)

  std::string stateName() const;
  // The end reason of a call that failed with this final status ("busy", "cancelled", ...).
  static std::string failureReason(int status);
  const DialogSide& sideOf(std::string_view tag) const {
    return tag == caller.tag ? caller : callee;
  }
  DialogSide& sideOf(std::string_view tag) { return tag == caller.tag ? caller : callee; }
  DialogSide& otherSide(std::string_view tag) { return tag == caller.tag ? callee : caller; }
  const DialogSide& otherSide(std::string_view tag) const {
    return tag == caller.tag ? callee : caller;
  }
  // Whether an in-dialog request with these tags is this call's, sent by either side (RFC 3261
  // 12.2.2). Before the answer the callee's tag may still be unknown or change (forking), so any
  // callee tag matches then.
  bool hasTags(std::string_view fromTag, std::string_view toTag) const;
};

}  // namespace rtcgate::proxy
