#include "api/SipTrafficMetrics.hpp"

#include <string>

namespace rtcgate::api {
namespace {

std::string methodLabel(std::size_t index) {
  const auto name = sip::methodName(static_cast<sip::Method>(index));
  return name.empty() ? "other" : std::string(name);
}

std::string transportLabel(std::size_t index) {
  return std::string(sip::transportParamName(static_cast<sip::Transport>(index)));
}

std::string classLabel(std::size_t index) { return std::to_string(index + 1) + "xx"; }

}  // namespace

io::Status declareSipTrafficMetrics(http::MetricsRegistry& metrics,
                                    transaction::SipIngress& ingress,
                                    const proxy::ProxyStats& proxy) {
  using Stats = transaction::IngressStats;
  const Stats& stats = ingress.stats();
  for (std::size_t m = 0; m < Stats::kMethods; ++m) {
    for (std::size_t t = 0; t < Stats::kTransports; ++t) {
      auto status =
          metrics.addCounter("rtcgate_sip_requests_total", "SIP requests received, by method",
                             {{"method", methodLabel(m)}, {"transport", transportLabel(t)}},
                             &stats.requestsByMethod[m][t]);
      if (!status) return status;
    }
  }
  for (std::size_t c = 0; c < Stats::kClasses; ++c) {
    for (std::size_t t = 0; t < Stats::kTransports; ++t) {
      auto status = metrics.addCounter("rtcgate_sip_responses_total",
                                       "SIP responses received, by status class",
                                       {{"class", classLabel(c)}, {"transport", transportLabel(t)}},
                                       &stats.responsesByClass[c][t]);
      if (!status) return status;
    }
    auto status = metrics.addCounter(
        "rtcgate_sip_responses_sent_total",
        "SIP responses sent on server transactions (ours and forwarded), by class",
        {{"class", classLabel(c)}}, &proxy.responsesSentByClass[c]);
    if (!status) return status;
  }
  // 20 us .. ~0.3 s: a message normally takes tens of microseconds; the tail is what matters.
  auto& processing =
      metrics.histogram("rtcgate_proxy_processing_seconds",
                        "time a SIP message takes on the signalling loop, parse to last send",
                        http::Histogram::exponentialBounds(20e-6, 2.0, 15));
  ingress.onProcessed([&processing](double seconds) { processing.observe(seconds); });
  return io::Status::success();
}

}  // namespace rtcgate::api
