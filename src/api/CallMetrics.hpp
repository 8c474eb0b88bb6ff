#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "http/Histogram.hpp"
#include "http/MetricsRegistry.hpp"
#include "io/Status.hpp"
#include "proxy/CallObserver.hpp"
#include "proxy/Dialog.hpp"
#include "proxy/DialogTracker.hpp"

namespace rtcgate::api {

// The call metrics of /metrics: live calls by state (read from the proxy's dialogs at scrape
// time), calls started and answered, calls ended by reason, and the call set-up time (INVITE to
// answer) as a histogram. Fed with the proxy's call events; runs on the signalling loop.
class CallMetrics : public proxy::CallObserver {
 public:
  // The end reasons exported as label values; any other reason counts as "other", so that a
  // reason text (an API caller's, a status code's) cannot grow the number of series.
  static constexpr std::array<std::string_view, 14> kReasons = {
      "caller-bye",    "callee-bye",        "cancelled",  "busy",       "no-answer",
      "unavailable",   "not-found",         "failed",     "api-hangup", "dialog-timeout",
      "media-timeout", "connection-closed", "relay-lost", "other"};

  // rtcgate_calls_live{state}, rtcgate_calls_started_total, rtcgate_calls_answered_total,
  // rtcgate_calls_ended_total{reason}, rtcgate_call_setup_seconds.
  io::Status declare(http::MetricsRegistry& metrics, proxy::DialogTracker& dialogs);
  // Answered: the set-up time; Ended: the end reason.
  void onCallEvent(proxy::CallEvent event, const proxy::Dialog& dialog) override;

  // The label value a dialog's endReason counts under ("failed-503" -> "failed").
  static std::string_view reasonLabel(std::string_view endReason);
  std::uint64_t ended(std::string_view reason) const;
  const http::Histogram* setupHistogram() const { return setup_; }

 private:
  std::array<std::uint64_t, kReasons.size()> ended_{};
  http::Histogram* setup_ = nullptr;  // owned by the registry
};

}  // namespace rtcgate::api
