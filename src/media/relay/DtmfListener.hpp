#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "base/SocketAddress.hpp"

namespace rtcgate::media {

// One DTMF digit a call party sent as RFC 4733 telephone-events, as the relay reports it: once
// per digit, when the event ends (its end packet, or the next event, its audio resuming or
// DtmfDetector::kEndTimeout of silence when the end packets were lost).
struct DtmfEvent {
  std::string callId;
  std::string fromTag;            // the tag of the party that sent the digit
  std::vector<std::string> tags;  // every party's tag in the call (rtpengine's "tags")
  std::string label;              // the sending party's ng label, if it has one
  unsigned mediaIndex = 0;        // the m= line, 1-based
  char digit = '0';               // '0'-'9', '*', '#', 'A'-'D'
  std::uint8_t event = 0;         // RFC 4733 event code 0..15
  std::uint32_t durationMs = 0;
  std::uint8_t volume = 0;                     // 0..63: -dBm0
  SocketAddress source;                        // where the party's packets came from
  std::chrono::system_clock::time_point time;  // when the digit was reported
};

// Who hears the relay's digits: the gateway (call.dtmf events) and rtcgate relay's
// relay.dtmf_log_dest. Called on the media worker threads (each worker's engine calls it for its
// own calls, so several threads may call it at once): it must be thread-safe and must not block,
// as it runs on the packet path. Post to another thread for anything slow.
class DtmfListener {
 public:
  virtual ~DtmfListener() = default;
  virtual void onDtmf(const DtmfEvent& event) = 0;
};

}  // namespace rtcgate::media
