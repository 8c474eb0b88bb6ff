#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/Statistic.hpp"
#include "base/Timers.hpp"
#include "proxy/LocalIdentity.hpp"
#include "proxy/TargetResolver.hpp"
#include "transaction/TransactionLayer.hpp"

namespace rtcgate::proxy {

// Probes in a row that mark a destination down (failed) or up again (answered).
struct ProbeThresholds {
  unsigned downAfter = 3;
  unsigned upAfter = 2;
};

// OPTIONS probing of trunk and route targets (Kamailio dispatcher's ds_ping_interval): every
// destination a probed URI resolves to gets an OPTIONS each interval; one that leaves
// `downAfter` probes in a row unanswered (or answers 408 / 5xx) is down, and up again after
// `upAfter` answers in a row. The proxy skips down destinations, so a call goes straight to a
// live one instead of waiting out a timeout. Destinations never probed are never down.
class DestinationProber {
 public:
#define RTCGATE_PROBE_STATS(X)                                                                \
  X(probesSent, Counter, "rtcgate_probe_options_sent_total",                                  \
    "OPTIONS probes sent to trunk and route targets (trunks[].options_ping, "                 \
    "routes[].options_ping)")                                                                 \
  X(probesFailed, Counter, "rtcgate_probe_failures_total",                                    \
    "probes unanswered within their interval, refused by the transport, or answered 408/5xx") \
  X(wentDown, Counter, "rtcgate_probe_destinations_down_total",                               \
    "times a probed destination was marked down")
  struct Stats {
#define RTCGATE_PROBE_STAT_FIELD(field, ...) std::uint64_t field = 0;
    RTCGATE_PROBE_STATS(RTCGATE_PROBE_STAT_FIELD)
#undef RTCGATE_PROBE_STAT_FIELD
  };
  using Options = ProbeThresholds;
  struct Destination {
    std::string label;  // what it belongs to: "trunk carrier", "route ^9"
    sip::Flow flow;
    bool up = true;
    unsigned misses = 0;   // in a row
    unsigned answers = 0;  // in a row
    int lastStatus = 0;
    transaction::TransactionId pending = 0;
  };
  // Told when a destination goes down or comes back.
  using Changed = std::function<void(const Destination& destination)>;

  DestinationProber(transaction::TransactionLayer& transactions, const LocalIdentity& identity,
                    const TargetResolver& resolver, Timers& timers, std::uint64_t transactionTag,
                    Options options = {});
  ~DestinationProber();
  DestinationProber(const DestinationProber&) = delete;
  DestinationProber& operator=(const DestinationProber&) = delete;

  // Probes `uri` (every destination it resolves to) each `interval`, from start() on (at once
  // when started already).
  void add(std::string label, std::string uri, std::chrono::seconds interval);
  // Stops the probes whose label starts with `prefix` (the routes', when routes are reloaded);
  // what is known of their destinations stays.
  void removeProbes(std::string_view prefix);
  void start(Changed changed);

  bool owns(transaction::TransactionId clientTx) const { return byTransaction_.count(clientTx); }
  void onResponse(transaction::TransactionId clientTx, int status);
  void onFailed(transaction::TransactionId clientTx);

  // Whether a destination is probed and down now.
  bool isDown(const sip::Flow& flow) const;
  std::vector<Destination> destinations() const;
  std::size_t downCount() const;
  const Stats& stats() const { return stats_; }

 private:
  struct Probe {
    std::string label;
    std::string uri;
    std::chrono::seconds interval;
    Timers::Id timer = 0;
  };
  void tick(std::uint64_t id);
  void probe(const Probe& probe, const sip::Flow& flow);
  void answered(Destination& destination, int status);
  void missed(Destination& destination, int status);
  // A destination is its transport and address (a call's isDown asks without allocating).
  struct Key {
    sip::Transport transport;
    SocketAddress address;
    friend bool operator==(const Key&, const Key&) = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& key) const {
      return SocketAddressHash{}(key.address) * 31 + static_cast<std::size_t>(key.transport);
    }
  };
  static Key keyOf(const sip::Flow& flow) { return {flow.transport, flow.remote}; }

  transaction::TransactionLayer& transactions_;
  const LocalIdentity& identity_;
  const TargetResolver& resolver_;
  Timers& timers_;
  std::uint64_t transactionTag_;
  Options options_;
  Changed changed_;
  Stats stats_;
  std::map<std::uint64_t, Probe> probes_;  // by id: a timer finds its probe, or that it is gone
  std::uint64_t nextProbe_ = 1;
  bool started_ = false;
  std::unordered_map<Key, Destination, KeyHash> destinations_;
  std::unordered_map<transaction::TransactionId, Key> byTransaction_;
  std::uint64_t sequence_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

#define RTCGATE_PROBE_STAT_ENTRY(field, kind, metric, help)                                     \
  Statistic<DestinationProber::Stats>{&DestinationProber::Stats::field, StatKind::kind, metric, \
                                      help},
inline constexpr Statistic<DestinationProber::Stats> kProbeStatistics[] = {
    RTCGATE_PROBE_STATS(RTCGATE_PROBE_STAT_ENTRY)};
#undef RTCGATE_PROBE_STAT_ENTRY

}  // namespace rtcgate::proxy
