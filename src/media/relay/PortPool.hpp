#pragma once

#include <cstdint>
#include <vector>

#include "base/Result.hpp"

namespace rtcgate::media {

// Which local media ports are in use, within the configured range. Hands out RTP/RTCP pairs
// (even, even+1) or single ports, round-robin so a just-released port is not reused at once (late
// packets of an old call must not reach a new one).
class PortPool {
 public:
  PortPool(std::uint16_t min, std::uint16_t max);

  Result<std::uint16_t> allocatePair();  // returns the even port; port+1 is taken too
  Result<std::uint16_t> allocateOne();
  void release(std::uint16_t port);
  std::size_t inUse() const { return inUse_; }
  std::size_t capacity() const { return used_.size(); }

 private:
  bool isFree(std::uint32_t port) const;
  void take(std::uint32_t port);

  std::uint32_t min_;
  std::uint32_t max_;
  std::uint32_t cursor_;
  std::vector<bool> used_;
  std::size_t inUse_ = 0;
};

}  // namespace rtcgate::media
