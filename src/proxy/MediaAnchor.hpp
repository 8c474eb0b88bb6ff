#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/Result.hpp"
#include "mediacontrol/MediaControl.hpp"
#include "mediacontrol/MediaSettings.hpp"

namespace rtcgate::proxy {

// One SDP for the relay, with the ng keys that place it in the call.
struct SdpExchange {
  std::string callId;
  std::string fromTag;    // the tag of the party whose SDP this is
  std::string toTag;      // the other party, once known
  std::string viaBranch;  // the forked branch (initial offers)
  std::string sdp;
  mediacontrol::MediaSettings settings;  // what the SDP the relay writes must look like
};

struct MediaAnchorStats {
  std::uint64_t offers = 0;
  std::uint64_t answers = 0;
  std::uint64_t deletes = 0;
  std::uint64_t failures = 0;  // no reply, or the relay refused
};

// The proxy's side of the media relay: offer, answer and delete through a MediaControl (the
// embedded relay or ng relays), with replies delivered on the signalling loop. Replies that come
// back after this object is gone are dropped.
class MediaAnchor {
 public:
  // The rewritten SDP, or why there is none (its kind chooses the SIP status: sipStatus).
  using SdpResult = Result<std::string, mediacontrol::RelayError>;
  using SdpDone = std::function<void(SdpResult)>;
  using QueryDone = std::function<void(mediacontrol::MediaControl::Reply)>;
  // The status a request whose SDP the relay could not take is answered with.
  struct SipStatus {
    int code;
    const char* reason;
  };

  explicit MediaAnchor(mediacontrol::MediaControl& control)
      : control_(control), alive_(std::make_shared<bool>(true)) {}
  ~MediaAnchor() { *alive_ = false; }
  MediaAnchor(const MediaAnchor&) = delete;
  MediaAnchor& operator=(const MediaAnchor&) = delete;

  void offer(const SdpExchange& exchange, SdpDone done);
  void answer(const SdpExchange& exchange, SdpDone done);
  // The whole call without tags; with fromTag and viaBranch, one forked branch. `done`, when
  // given, gets the relay's final statistics: the delete reply, or for a relay whose delete reply
  // has none (RTPEngine) the reply of a query sent just before the delete.
  void remove(const std::string& callId, const std::string& fromTag = {},
              const std::string& viaBranch = {}, QueryDone done = {});
  void query(const std::string& callId, QueryDone done);
  // ng `play DTMF`: `digits` played as RFC 4733 events into the stream the party `fromTag`
  // sends, as if it had sent them, `durationMs` each.
  void playDtmf(const std::string& callId, const std::string& fromTag, const std::string& digits,
                std::uint32_t durationMs, QueryDone done);
  // Any other ng command about a call (start recording, stop recording), replied to unless we
  // are gone.
  void command(ng::Value request, QueryDone done);

  const MediaAnchorStats& stats() const { return stats_; }

  // A refusal is about the SDP (488: the caller may offer something else); a relay that is not
  // there is our trouble (503: try elsewhere or later).
  static constexpr SipStatus sipStatus(mediacontrol::RelayError::Kind kind) {
    switch (kind) {
      case mediacontrol::RelayError::Kind::Refused:
        return {488, "Not Acceptable Here"};
      case mediacontrol::RelayError::Kind::Unreachable:
      case mediacontrol::RelayError::Kind::Timeout:
        return {503, "Service Unavailable"};
    }
    return {503, "Service Unavailable"};
  }

 private:
  void exchange(const char* command, const SdpExchange& exchange, SdpDone done);
  // `report`: a query reply to hand to `done` instead of the delete reply.
  void sendDelete(ng::Value request, std::string callId, QueryDone done,
                  std::shared_ptr<ng::Value> report);

  mediacontrol::MediaControl& control_;
  std::shared_ptr<bool> alive_;
  MediaAnchorStats stats_;
};

}  // namespace rtcgate::proxy
