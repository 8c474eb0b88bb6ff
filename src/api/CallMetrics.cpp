#include "api/CallMetrics.hpp"

#include <algorithm>
#include <chrono>
#include <string>

namespace rtcgate::api {

namespace {

std::size_t reasonIndex(std::string_view label) {
  const auto* it = std::find(CallMetrics::kReasons.begin(), CallMetrics::kReasons.end(), label);
  return static_cast<std::size_t>(it - CallMetrics::kReasons.begin());
}

// Set-up times run from a few milliseconds (an answering machine on the LAN) to the half minute
// a person lets a phone ring: 10 ms .. ~41 s.
std::vector<double> setupBounds() { return http::Histogram::exponentialBounds(0.01, 2, 13); }

}  // namespace

std::string_view CallMetrics::reasonLabel(std::string_view endReason) {
  if (endReason.starts_with("failed-")) return "failed";
  const auto index = reasonIndex(endReason);
  return index < kReasons.size() ? kReasons[index] : "other";
}

std::uint64_t CallMetrics::ended(std::string_view reason) const {
  const auto index = reasonIndex(reasonLabel(reason));
  return ended_[index];
}

io::Status CallMetrics::declare(http::MetricsRegistry& metrics, proxy::DialogTracker& dialogs) {
  using State = proxy::Dialog::State;
  struct Live {
    const char* label;
    State state;
    bool onHold;
  };
  for (const Live live :
       {Live{"ringing", State::Trying, false}, Live{"early", State::Early, false},
        Live{"confirmed", State::Confirmed, false}, Live{"on-hold", State::Confirmed, true}}) {
    auto status =
        metrics.addGauge("rtcgate_calls_live", "calls in progress by state",
                         {{"state", live.label}}, [&dialogs, live] {
                           std::size_t n = 0;
                           dialogs.forEach([&](const proxy::Dialog& dialog) {
                             if (dialog.state == live.state && dialog.onHold == live.onHold) ++n;
                           });
                           return static_cast<double>(n);
                         });
    if (!status) return status;
  }
  auto status =
      metrics.addCounter("rtcgate_calls_started_total", "INVITEs that started a call", {},
                         [&dialogs] { return static_cast<double>(dialogs.startedTotal()); });
  if (!status) return status;
  status = metrics.addCounter("rtcgate_calls_answered_total", "calls answered (2xx)", {},
                              [&dialogs] { return static_cast<double>(dialogs.answeredTotal()); });
  if (!status) return status;
  for (std::size_t i = 0; i < kReasons.size(); ++i) {
    status = metrics.addCounter("rtcgate_calls_ended_total", "calls ended, by reason",
                                {{"reason", std::string(kReasons[i])}}, &ended_[i]);
    if (!status) return status;
  }
  try {
    setup_ =
        &metrics.histogram("rtcgate_call_setup_seconds",
                           "time from the INVITE to the answer of answered calls", setupBounds());
  } catch (const std::invalid_argument& error) {
    return io::Status::failure(error.what());
  }
  return io::Status::success();
}

void CallMetrics::onCallEvent(proxy::CallEvent event, const proxy::Dialog& dialog) {
  if (event == proxy::CallEvent::Answered) {
    if (setup_ == nullptr || dialog.created == proxy::SystemTime{} ||
        dialog.answered == proxy::SystemTime{}) {
      return;
    }
    const std::chrono::duration<double> setup = dialog.answered - dialog.created;
    setup_->observe(std::max(0.0, setup.count()));
  } else if (event == proxy::CallEvent::Ended) {
    ++ended_[reasonIndex(reasonLabel(dialog.endReason))];
  }
}

}  // namespace rtcgate::api
