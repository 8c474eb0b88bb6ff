#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "base/LogThrottle.hpp"
#include "base/Timers.hpp"
#include "sip/Transport.hpp"
#include "transaction/IngressStats.hpp"
#include "transaction/SourceRateLimiter.hpp"
#include "transaction/TransactionContext.hpp"
#include "transaction/TransactionLayer.hpp"

namespace rtcgate::transaction {

// Where the transports hand each complete message (a datagram, a framed stream message, one
// WebSocket frame): the bottom of the SIP stack, below the transaction layer (resiprocate's
// stack/TU line). It applies the per-source rate limit, parses, answers what fails to parse with
// 400 (505, 501) or drops it, marks the top Via of requests with received/rport, counts, and
// hands the parsed message to the TransactionLayer, which reports to its TransactionUser. Data
// flows one way: transports -> SipIngress -> TransactionLayer -> TU; the TU never sees bytes.
// Single-threaded, on the signalling loop; no I/O of its own: its 400s go out through `send`.
class SipIngress {
 public:
  SipIngress(Timers& timers, SendFunction send, TransactionLayer& layer,
             RateLimitOptions rateLimit = {});
  SipIngress(const SipIngress&) = delete;
  SipIngress& operator=(const SipIngress&) = delete;

  // One complete message received on `flow`.
  void onMessage(std::string bytes, const sip::Flow& flow);

  // Told how long each message took on the signalling loop, parse to last send (waits for the
  // relay are not in it): the processing-time histogram.
  void onProcessed(std::function<void(double seconds)> observer) {
    processed_ = std::move(observer);
  }

  const IngressStats& stats() const { return stats_; }

 private:
  void dispatch(std::string bytes, const sip::Flow& flow);
  bool withinLimits(const sip::Flow& flow, std::string_view bytes);
  void handleUnparseable(const std::string& bytes, const sip::Flow& flow, const char* reason);

  Timers& timers_;
  SendFunction send_;
  TransactionLayer& layer_;
  SourceRateLimiter rateLimiter_;
  LogThrottle rateLimitLog_{std::chrono::seconds(10), 1};
  std::function<void(double)> processed_;
  IngressStats stats_;
};

}  // namespace rtcgate::transaction
