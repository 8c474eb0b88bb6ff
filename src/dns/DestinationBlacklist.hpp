#pragma once

#include <cstdint>
#include <string_view>
#include <unordered_map>

#include "base/Timers.hpp"
#include "dns/Destination.hpp"

namespace rtcgate::dns {

// Destinations that just failed (no answer, connection refused) and are tried last for a while,
// so every new call does not wait out the same dead server (Kamailio's dst_blacklist).
class DestinationBlacklist {
 public:
  struct Stats {
    std::uint64_t added = 0;    // counter
    std::uint64_t entries = 0;  // gauge, as of the last add or purge
  };

  explicit DestinationBlacklist(const Timers& timers) : timers_(timers) {}

  void add(const Destination& destination, Duration duration);
  bool contains(const Destination& destination) const;
  // Drops the entries that expired (also done as entries are added).
  void purge();
  const Stats& stats() const { return stats_; }

 private:
  struct KeyHash {
    std::size_t operator()(const Destination& d) const {
      return SocketAddressHash{}(d.address) * 31 + static_cast<std::size_t>(d.transport);
    }
  };
  const Timers& timers_;
  std::unordered_map<Destination, Clock::time_point, KeyHash> until_;
  Stats stats_;
};

}  // namespace rtcgate::dns
