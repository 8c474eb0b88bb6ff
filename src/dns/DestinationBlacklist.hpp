#pragma once

#include <cstdint>
#include <string_view>
#include <unordered_map>

#include "base/Statistic.hpp"
#include "base/Timers.hpp"
#include "dns/Destination.hpp"

namespace rtcgate::dns {

// Destinations that just failed (no answer, connection refused) and are tried last for a while,
// so every new call does not wait out the same dead server (Kamailio's dst_blacklist).
class DestinationBlacklist {
 public:
#define RTCGATE_DNS_BLACKLIST_STATS(X)                                            \
  X(added, Counter, "rtcgate_dns_blacklisted_total",                              \
    "destinations put last for dns.blacklist_seconds after a timeout or refusal") \
  X(entries, Gauge, "rtcgate_dns_blacklist_entries",                              \
    "destinations on the blacklist (expired ones leave at the next addition)")
  struct Stats {
#define RTCGATE_DNS_BLACKLIST_STAT_FIELD(field, ...) std::uint64_t field = 0;
    RTCGATE_DNS_BLACKLIST_STATS(RTCGATE_DNS_BLACKLIST_STAT_FIELD)
#undef RTCGATE_DNS_BLACKLIST_STAT_FIELD
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

#define RTCGATE_DNS_BLACKLIST_STAT_ENTRY(field, kind, metric, help)                           \
  Statistic<DestinationBlacklist::Stats>{&DestinationBlacklist::Stats::field, StatKind::kind, \
                                         metric, help},
inline constexpr Statistic<DestinationBlacklist::Stats> kDnsBlacklistStatistics[] = {
    RTCGATE_DNS_BLACKLIST_STATS(RTCGATE_DNS_BLACKLIST_STAT_ENTRY)};
#undef RTCGATE_DNS_BLACKLIST_STAT_ENTRY

}  // namespace rtcgate::dns
