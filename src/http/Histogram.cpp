#include "http/Histogram.hpp"

#include <algorithm>
#include <cmath>

namespace rtcgate::http {

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {}

void Histogram::observe(double value) {
  if (std::isnan(value)) return;
  // Bucket i holds bounds[i-1] < value <= bounds[i]: the first bound not below the value.
  const auto index = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  buckets_[static_cast<std::size_t>(index)].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::uint64_t Histogram::cumulativeCount(std::size_t i) const {
  std::uint64_t total = 0;
  for (std::size_t b = 0; b <= std::min(i, bounds_.size()); ++b) {
    total += buckets_[b].load(std::memory_order_relaxed);
  }
  return total;
}

const char* Histogram::checkBounds(const std::vector<double>& bounds) {
  if (bounds.empty()) return "a histogram needs at least one bucket bound";
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i])) return "bucket bounds must be finite (+Inf is implicit)";
    if (i > 0 && bounds[i] <= bounds[i - 1]) return "bucket bounds must be strictly increasing";
  }
  return "";
}

std::vector<double> Histogram::defaultSecondsBounds() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

std::vector<double> Histogram::exponentialBounds(double start, double factor, std::size_t count) {
  std::vector<double> bounds;
  if (!(start > 0) || !(factor > 1)) return bounds;
  bounds.reserve(count);
  for (double bound = start; bounds.size() < count; bound *= factor) bounds.push_back(bound);
  return bounds;
}

}  // namespace rtcgate::http
