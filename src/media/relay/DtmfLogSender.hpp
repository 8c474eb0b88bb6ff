#pragma once

#include <memory>
#include <string>

#include "base/Result.hpp"
#include "base/SocketAddress.hpp"
#include "media/relay/DtmfListener.hpp"

namespace rtcgate::media {

// rtpengine's --dtmf-log-dest for `rtcgate relay` (YAML relay.dtmf_log_dest: udp://HOST:PORT):
// one JSON datagram per digit, in rtpengine's layout (daemon/dtmf.c), so tools reading rtpengine's
// DTMF log read ours:
//   {"callid":"...","source_tag":"...","tags":["...","..."],"type":"DTMF","timestamp":1700000000,
//    "source_ip":"192.0.2.1","event":5,"duration":160,"volume":10}
// (timestamp in Unix seconds, duration in ms). Sending never blocks: a datagram the socket cannot
// take is dropped. Thread-safe (one send per call on a connected socket).
class DtmfLogSender : public DtmfListener {
 public:
  // Opens a UDP socket connected to `url`; an error when the URL is not udp://ADDRESS:PORT.
  static Result<std::unique_ptr<DtmfLogSender>> open(const std::string& url);
  ~DtmfLogSender() override;
  DtmfLogSender(const DtmfLogSender&) = delete;
  DtmfLogSender& operator=(const DtmfLogSender&) = delete;

  void onDtmf(const DtmfEvent& event) override;
  // The datagram for one digit.
  static std::string format(const DtmfEvent& event);

 private:
  explicit DtmfLogSender(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace rtcgate::media
