#include "api/MediaQualityMetrics.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "base/AsciiCase.hpp"
#include "ng/NgCallStats.hpp"
#include "proxy/StreamFormat.hpp"

namespace rtcgate::api {
namespace {

// Jitter from a clean LAN's fraction of a millisecond to a broken link's second: 1 ms .. ~1 s.
std::vector<double> jitterBounds() { return http::Histogram::exponentialBounds(0.001, 2, 11); }
// Loss where it starts to be heard (~1%) and where a call is unusable (20%+).
std::vector<double> lossBounds() { return {0.1, 0.5, 1, 2, 3, 5, 10, 20, 50}; }
// Round trips from the same rack (a few ms) to a satellite hop (over 600 ms): 5 ms .. ~2.6 s.
std::vector<double> roundTripBounds() { return http::Histogram::exponentialBounds(0.005, 2, 10); }

}  // namespace

std::size_t MediaQualityMetrics::codecIndex(std::string_view codec) {
  const auto* it = std::find_if(kCodecs.begin(), kCodecs.end() - 1, [codec](std::string_view c) {
    return equalsIgnoringCase(c, codec);
  });
  return static_cast<std::size_t>(it - kCodecs.begin());
}

std::string_view MediaQualityMetrics::codecLabel(std::string_view codec) {
  return kCodecs[codecIndex(codec)];
}

const http::Histogram* MediaQualityMetrics::jitter(std::string_view codec) const {
  return histograms_[codecIndex(codec)].jitter;
}

io::Status MediaQualityMetrics::declare(http::MetricsRegistry& metrics) {
  try {
    for (std::size_t i = 0; i < kCodecs.size(); ++i) {
      const http::MetricLabels labels = {{"codec", std::string(kCodecs[i])}};
      histograms_[i].jitter = &metrics.histogram(
          "rtcgate_call_media_jitter_seconds",
          "interarrival jitter of each direction of ended relayed calls, by codec", jitterBounds(),
          labels);
      histograms_[i].loss = &metrics.histogram(
          "rtcgate_call_media_loss_percent",
          "packets lost of each direction of ended relayed calls, percent, by codec", lossBounds(),
          labels);
      histograms_[i].roundTrip = &metrics.histogram(
          "rtcgate_call_media_rtt_seconds",
          "round trip between the relay and the sender of each direction (RTCP), by codec",
          roundTripBounds(), labels);
    }
  } catch (const std::invalid_argument& error) {
    return io::Status::failure(error.what());
  }
  return io::Status::success();
}

void MediaQualityMetrics::onCallRecord(const proxy::Dialog& call, const ng::Value* mediaReport) {
  if (mediaReport == nullptr) return;
  const ng::NgCallStats stats(*mediaReport);
  for (const auto* side : {&call.caller, &call.callee}) {
    const ng::PartyMediaStats* sent = stats.party(side->tag);
    if (sent == nullptr || sent->packets == 0) continue;
    const auto format = proxy::streamFormat(*side, call.otherSide(side->tag), sent);
    const PerCodec& histograms = histograms_[codecIndex(format.codec)];
    if (histograms.jitter == nullptr) return;  // not declared
    histograms.jitter->observe(sent->jitterMs / 1000.0);
    histograms.loss->observe(sent->lossPercent());
    if (sent->roundTripMs) histograms.roundTrip->observe(*sent->roundTripMs / 1000.0);
  }
}

}  // namespace rtcgate::api
