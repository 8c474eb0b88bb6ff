#include "proxy/WeightedRotation.hpp"

#include <utility>

namespace rtcgate::proxy {

WeightedRotation::WeightedRotation(std::vector<std::uint32_t> weights)
    : weights_(std::move(weights)), current_(weights_.size(), 0) {
  for (const auto weight : weights_) total_ += weight;
}

std::vector<std::size_t> WeightedRotation::next() {
  // Every target gains its weight; the one furthest ahead goes first and pays the whole round.
  std::size_t chosen = 0;
  for (std::size_t i = 0; i < weights_.size(); ++i) {
    current_[i] += weights_[i];
    if (current_[i] > current_[chosen]) chosen = i;
  }
  current_[chosen] -= total_;
  std::vector<std::size_t> order{chosen};
  order.reserve(weights_.size());
  for (const bool standIn : {false, true}) {
    for (std::size_t i = 0; i < weights_.size(); ++i) {
      if (i != chosen && (weights_[i] == 0) == standIn) order.push_back(i);
    }
  }
  return order;
}

}  // namespace rtcgate::proxy
