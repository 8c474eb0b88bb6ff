#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "io/Status.hpp"

namespace rtcgate::admin {

enum class MetricType { Counter, Gauge };

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
    MetricReader read;
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

  std::string renderPrometheus() const;
  // {"<name>": {"type": "counter", "help": "...", "samples": [{"labels": {...}, "value": N}]}}
  std::string renderJson() const;

  const std::vector<Family>& families() const { return families_; }

  static constexpr const char* kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

 private:
  std::vector<Family> families_;
};

}  // namespace rtcgate::admin
