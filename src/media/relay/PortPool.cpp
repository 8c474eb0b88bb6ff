#include "media/relay/PortPool.hpp"

namespace rtcgate::media {

PortPool::PortPool(std::uint16_t min, std::uint16_t max)
    : min_(min), max_(max < min ? min : max), cursor_(min), used_(max_ - min_ + 1, false) {}

bool PortPool::isFree(std::uint32_t port) const {
  return port >= min_ && port <= max_ && !used_[port - min_];
}

void PortPool::take(std::uint32_t port) {
  used_[port - min_] = true;
  ++inUse_;
}

Result<std::uint16_t> PortPool::allocatePair() {
  const std::uint32_t span = max_ - min_ + 1;
  for (std::uint32_t step = 0; step < span; ++step) {
    std::uint32_t port = min_ + (cursor_ - min_ + step) % span;
    if (port % 2 != 0) continue;
    if (isFree(port) && isFree(port + 1)) {
      take(port);
      take(port + 1);
      cursor_ = port + 2 > max_ ? min_ : port + 2;
      return static_cast<std::uint16_t>(port);
    }
  }
  return Error{"Ran out of ports"};
}

Result<std::uint16_t> PortPool::allocateOne() {
  const std::uint32_t span = max_ - min_ + 1;
  for (std::uint32_t step = 0; step < span; ++step) {
    const std::uint32_t port = min_ + (cursor_ - min_ + step) % span;
    if (isFree(port)) {
      take(port);
      cursor_ = port + 1 > max_ ? min_ : port + 1;
      return static_cast<std::uint16_t>(port);
    }
  }
  return Error{"Ran out of ports"};
}

void PortPool::release(std::uint16_t port) {
  if (port < min_ || port > max_ || !used_[port - min_]) return;
  used_[port - min_] = false;
  --inUse_;
}

}  // namespace rtcgate::media
