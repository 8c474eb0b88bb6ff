#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/Result.hpp"
#include "mediacontrol/RelayError.hpp"
#include "ng/Value.hpp"

namespace rtcgate::mediacontrol {

// How the signalling side drives a media relay: ng requests as dictionaries with rtpengine's keys
// ("command", "call-id", "from-tag", "sdp", "flags", ...) and rtpengine's reply dictionaries back
// ("result", "sdp", "error-reason", ...). Implementations: InProcessMediaControl (the embedded
// relay) and NgClient (a remote rtcgate relay or RTPEngine over UDP).
//
// Asynchronous: `done` runs exactly once, on the implementation's callback thread (see each
// class). A Result error means no reply at all, and its kind says why (RelayError::Timeout or
// Unreachable); a relay-level failure is a reply with result "error", which
// RelayError::refusalIn turns into a RelayError::Refused for who needs the verdict.
class MediaControl {
 public:
  using Reply = Result<ng::Value, RelayError>;
  using Callback = std::function<void(Reply)>;

  virtual ~MediaControl() = default;
  virtual void request(ng::Value request, Callback done) = 0;
  // Whether a whole-call `delete` reply carries the call's final statistics, as the rtcgate
  // relay's does. RTPEngine's does not (10.5 answers {"result": "ok"}): who wants them queries
  // first.
  virtual bool deleteReplyHasStatistics() const { return true; }

  // Request builders with the ng key names, for the common commands.
  static ng::Value ping();
  static ng::Value offer(const std::string& callId, const std::string& fromTag,
                         const std::string& sdp, const std::vector<std::string>& flags = {});
  static ng::Value answer(const std::string& callId, const std::string& fromTag,
                          const std::string& toTag, const std::string& sdp,
                          const std::vector<std::string>& flags = {});
  static ng::Value remove(const std::string& callId, const std::string& fromTag = {},
                          const std::string& toTag = {});
  static ng::Value query(const std::string& callId);
  static ng::Value list(int limit = 32);
};

}  // namespace rtcgate::mediacontrol
