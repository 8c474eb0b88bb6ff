#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

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
  struct Stats {
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;
    std::uint64_t staleServed = 0;
    std::uint64_t entries = 0;  // gauge
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

}  // namespace rtcgate::dns
