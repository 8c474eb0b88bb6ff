#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "base/Statistic.hpp"
#include "http/Histogram.hpp"
#include "io/Status.hpp"

namespace rtcgate::http {

enum class MetricType { Counter, Gauge, Histogram };

using MetricLabels = std::vector<std::pair<std::string, std::string>>;
using MetricReader = std::function<double()>;

// Metrics declared once at start-up and read at scrape time through callbacks, so the components
// that own the numbers keep plain counters and pay nothing per packet for being observable.
// Rendered as Prometheus text exposition 0.0.4 and as JSON. Not thread-safe: declare and scrape
// on the loop thread.
class MetricsRegistry {
 public:
  struct Series {
    MetricLabels labels;
    MetricReader read;                     // counters and gauges
    const Histogram* histogram = nullptr;  // histograms
  };
  struct Family {
    std::string name;
    std::string help;
    MetricType type;
    std::vector<Series> series;
  };

  // Several series of one family share name, help and type and differ by label values. Fails on
  // an invalid metric or label name, a reserved "__" label, a family redeclared with another
  // type or help, or a label set declared twice.
  io::Status add(MetricType type, std::string name, std::string help, MetricLabels labels,
                 MetricReader read);
  io::Status addCounter(std::string name, std::string help, MetricLabels labels, MetricReader read);
  io::Status addCounter(std::string name, std::string help, MetricLabels labels,
                        const std::uint64_t* value);
  io::Status addGauge(std::string name, std::string help, MetricLabels labels, MetricReader read);
  // A counter or gauge read from a plain integer that outlives the registry.
  io::Status addStatistic(StatKind kind, std::string name, std::string help, MetricLabels labels,
                          const std::uint64_t* value);
  // The exported lines of a component's stats list (base/Statistic.hpp), read from `stats` at
  // scrape time; lines without a metric name are skipped.
  template <class Stats, std::size_t N>
  io::Status addStatistics(const Statistic<Stats> (&list)[N], const Stats& stats,
                           const MetricLabels& labels = {}) {
    for (const auto& line : list) {
      if (line.metric == nullptr) continue;
      auto status = addStatistic(line.kind, line.metric, line.help, labels, &(stats.*line.field));
      if (!status) return status;
    }
    return io::Status::success();
  }
  // A histogram owned elsewhere (it must outlive the registry): exposed as name_bucket{le=...}
  // (cumulative), name_sum and name_count. Fails as add() does, and also on unusable bounds, an
  // "le" label, or a name ending in _bucket, _sum or _count.
  io::Status addHistogram(std::string name, std::string help, MetricLabels labels,
                          const Histogram& histogram);
  // A histogram owned by the registry, for the integrator's one-line declarations:
  //   auto& setup = metrics.histogram("rtcgate_call_setup_seconds", "INVITE to 200",
  //                                   Histogram::defaultSecondsBounds());
  //   setup.observe(seconds);
  // The reference stays valid as long as the registry. A refused declaration is a bug in the
  // declaring code, not bad input, so it throws std::invalid_argument with the reason.
  Histogram& histogram(std::string name, std::string help, std::vector<double> bounds,
                       MetricLabels labels = {});

  std::string renderPrometheus() const;
  // {"<name>": {"type": "counter", "help": "...", "samples": [{"labels": {...}, "value": N}]}}
  // Histogram samples carry "count", "sum" and "buckets": [{"le": "0.5", "count": N}...] instead
  // of "value" (le as a string, as in Prometheus, so "+Inf" needs no special case).
  std::string renderJson() const;

  const std::vector<Family>& families() const { return families_; }

  static constexpr const char* kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

 private:
  io::Status addSeries(MetricType type, std::string name, std::string help, Series series);

  std::vector<Family> families_;
  std::deque<Histogram> ownedHistograms_;  // deque: references survive later declarations
};

}  // namespace rtcgate::http
