#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/Statistic.hpp"
#include "base/Timers.hpp"
#include "dns/DnsClient.hpp"

namespace rtcgate::dns {

// Answers by name and type for as long as their TTL says (RFC 1035; negative answers as long as
// their SOA says, RFC 2308), one query in flight per name and type however many ask. When the
// name servers fail, an expired positive answer keeps serving for a while (RFC 8767 "serve
// stale"): a carrier's name must not vanish because the resolver hiccuped.
class DnsCache {
 public:
  struct Options {
    std::chrono::seconds maxTtl{3600};  // longer TTLs are cut to this
    std::chrono::seconds negativeTtl{
        30};  // NoData/NoName without an SOA; SOA TTLs are capped to it too
    std::chrono::seconds failedTtl{5};     // how long a failure is remembered (no stale answer)
    std::chrono::seconds staleFor{86400};  // how long past its expiry an answer may still serve
    std::size_t maxEntries = 10000;
  };
  // What the cache counts, declared once (base/Statistic.hpp): the fields of Stats and
  // kDnsCacheStatistics come from this list.
#define RTCGATE_DNS_CACHE_STATS(X)                                                        \
  X(hits, Counter, "rtcgate_dns_cache_hits_total", "DNS lookups answered from the cache") \
  X(misses, Counter, "rtcgate_dns_cache_misses_total",                                    \
    "DNS lookups that needed a query (or joined one in flight)")                          \
  X(staleServed, Counter, "rtcgate_dns_stale_answers_total",                              \
    "expired answers served because the name servers failed (RFC 8767)")                  \
  X(entries, Gauge, "rtcgate_dns_cache_entries", "names and types held in the DNS cache")
  struct Stats {
#define RTCGATE_DNS_CACHE_STAT_FIELD(field, ...) std::uint64_t field = 0;
    RTCGATE_DNS_CACHE_STATS(RTCGATE_DNS_CACHE_STAT_FIELD)
#undef RTCGATE_DNS_CACHE_STAT_FIELD
  };
  using Callback = std::function<void(const DnsAnswer&)>;

  DnsCache(DnsClient& client, const Timers& timers, Options options);
  DnsCache(const DnsCache&) = delete;
  DnsCache& operator=(const DnsCache&) = delete;

  // `done` runs at once (inside this call) when the answer is cached, else when it comes.
  void lookup(std::string_view name, RecordType type, Callback done);
  const Stats& stats() const { return stats_; }

 private:
  struct Entry {
    DnsAnswer answer;
    Clock::time_point expires;
  };
  static std::string keyOf(std::string_view name, RecordType type);
  void answered(const std::string& key, DnsAnswer answer);
  Clock::duration lifetimeOf(const DnsAnswer& answer) const;
  void makeRoom();

  DnsClient& client_;
  const Timers& timers_;
  Options options_;
  std::unordered_map<std::string, Entry> entries_;
  std::unordered_map<std::string, std::vector<Callback>> waiting_;
  Stats stats_;
};

#define RTCGATE_DNS_CACHE_STAT_ENTRY(field, kind, metric, help) \
  Statistic<DnsCache::Stats>{&DnsCache::Stats::field, StatKind::kind, metric, help},
inline constexpr Statistic<DnsCache::Stats> kDnsCacheStatistics[] = {
    RTCGATE_DNS_CACHE_STATS(RTCGATE_DNS_CACHE_STAT_ENTRY)};
#undef RTCGATE_DNS_CACHE_STAT_ENTRY

}  // namespace rtcgate::dns
