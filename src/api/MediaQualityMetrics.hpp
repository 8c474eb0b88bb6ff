#pragma once

#include <array>
#include <string_view>

#include "http/Histogram.hpp"
#include "http/MetricsRegistry.hpp"
#include "io/Status.hpp"
#include "proxy/CallObserver.hpp"

namespace rtcgate::api {

// The media quality of ended calls through the relay as histograms per codec, one observation per
// direction: jitter and loss as the relay measured them on arrival, and the round trip between
// the relay and the sending side where RTCP gave one. Fed with each call's final relay report
// (CallObserver::onCallRecord); runs on the signalling loop.
class MediaQualityMetrics : public proxy::CallObserver {
 public:
  // The codec label values; any other codec (the name comes from a peer's SDP) counts as
  // "other", so that a peer cannot grow the number of series.
  static constexpr std::array<std::string_view, 7> kCodecs = {"opus", "PCMU", "PCMA", "G722",
                                                              "G729", "GSM",  "other"};

  // rtcgate_call_media_jitter_seconds{codec}, rtcgate_call_media_loss_percent{codec},
  // rtcgate_call_media_rtt_seconds{codec}.
  io::Status declare(http::MetricsRegistry& metrics);
  void onCallRecord(const proxy::Dialog& call, const ng::Value* mediaReport) override;

  // The label a codec name counts under (case-insensitive; "other" when not listed).
  static std::string_view codecLabel(std::string_view codec);
  const http::Histogram* jitter(std::string_view codec) const;

 private:
  struct PerCodec {
    http::Histogram* jitter = nullptr;  // owned by the registry
    http::Histogram* loss = nullptr;
    http::Histogram* roundTrip = nullptr;
  };
  static std::size_t codecIndex(std::string_view codec);

  std::array<PerCodec, kCodecs.size()> histograms_{};
};

}  // namespace rtcgate::api
