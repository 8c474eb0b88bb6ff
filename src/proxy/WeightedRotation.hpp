#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace rtcgate::proxy {

// Shares calls among the targets of a route or trunk by weight (Kamailio dispatcher's weight-based
// selection): smooth weighted round-robin, so over every `sum of weights` calls each target is
// tried first exactly `weight` times, interleaved rather than in bursts, and the same sequence
// every time (testable, no random source). The targets not chosen follow for failover: the other
// weighted ones in configured order, then those of weight 0, which only ever stand in.
class WeightedRotation {
 public:
  // One weight per target, in configured order; at least one must be above 0.
  explicit WeightedRotation(std::vector<std::uint32_t> weights);

  // The order to try the targets in for the next call (indices into the weights).
  std::vector<std::size_t> next();

 private:
  std::vector<std::uint32_t> weights_;
  std::vector<std::int64_t> current_;
  std::int64_t total_ = 0;
};

}  // namespace rtcgate::proxy
