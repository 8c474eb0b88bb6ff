#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace rtcgate::http {

// A Prometheus histogram: upper bounds fixed at declaration (+Inf implicit), one counter per
// bucket, a sum and a count. observe() is a binary search and three relaxed atomic additions: no
// allocation, no lock, no log, so it may be called per call or per transaction, from the loop
// thread or a media worker, while the loop thread scrapes. A scrape may see an observation in
// the count and not yet in the sum; Prometheus tolerates that, and it never goes backwards.
class Histogram {
 public:
  // bounds must be finite and strictly increasing (MetricsRegistry checks before exporting).
  explicit Histogram(std::vector<double> bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  // NaN is ignored: it would make the sum NaN forever.
  void observe(double value);

  const std::vector<double>& bounds() const { return bounds_; }
  // Observations <= bounds()[i] (cumulative, as exposed in le="..."); i == bounds().size() is +Inf.
  std::uint64_t cumulativeCount(std::size_t i) const;
  std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum() const { return sum_.load(std::memory_order_relaxed); }

  // Empty when bounds are usable, else why not (static string).
  static const char* checkBounds(const std::vector<double>& bounds);
  // Prometheus' default buckets for durations in seconds: 5 ms .. 10 s.
  static std::vector<double> defaultSecondsBounds();
  // start, start*factor, ... (count bounds); empty when start <= 0, factor <= 1 or count == 0.
  static std::vector<double> exponentialBounds(double start, double factor, std::size_t count);

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // per bucket, not cumulative
  std::atomic<std::uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

}  // namespace rtcgate::http
