#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/Statistic.hpp"
#include "base/Timers.hpp"
#include "proxy/LocationService.hpp"

namespace rtcgate::proxy {

struct KeepAliveOptions {
  enum class Method { Options, Crlf };
  // Each UDP binding behind NAT gets a ping this often (0: no pings), the pings of all bindings
  // spread over the interval in one-second slots (nathelper's natping_interval).
  std::chrono::seconds interval{0};
  // OPTIONS: any response, even 404 or 405, proves the binding alive; CRLF ("\r\n\r\n") keeps
  // the NAT pinhole open but gets no answer over UDP, so it never drops a binding.
  Method method = Method::Options;
  // OPTIONS pings in a row left unanswered before the binding is dropped (0: never dropped).
  unsigned maxMissed = 3;
};

// NAT keep-alive pings (the role of Kamailio's nathelper natping): the UDP contacts that
// registered from an address other than their Contact's (behind a NAT) get a ping every
// `interval` to keep their pinhole open; with OPTIONS, a binding whose pings go unanswered
// `maxMissed` times in a row is dropped from the location service. Pings are stateless (no
// retransmission, as nathelper's): a lost datagram is one miss, which is why a binding needs
// several. No I/O of its own: `send` writes a ping, responses are handed to answered().
class KeepAlivePinger {
 public:
  // The pinger's counters, declared once (field, kind, Prometheus family, help; see
  // base/Statistic.hpp): the fields of Stats and kKeepAliveStatistics come from this list.
#define RTCGATE_KEEPALIVE_STATS(X)                                                                 \
  X(pingsSent, Counter, "rtcgate_nat_keepalive_pings_total",                                       \
    "keep-alive pings sent to UDP contacts behind NAT (nat.keepalive)")                            \
  X(pingsAnswered, Counter, "rtcgate_nat_keepalive_answered_total", "keep-alive OPTIONS answered") \
  X(bindingsDropped, Counter, "rtcgate_nat_keepalive_dropped_total",                               \
    "registrations dropped: nat.keepalive.max_missed pings in a row unanswered")
  struct Stats {
#define RTCGATE_KEEPALIVE_STAT_FIELD(field, ...) std::uint64_t field = 0;
    RTCGATE_KEEPALIVE_STATS(RTCGATE_KEEPALIVE_STAT_FIELD)
#undef RTCGATE_KEEPALIVE_STAT_FIELD
  };
  // Sends one ping toward a binding: an OPTIONS with this Call-ID, or a CRLF when callId is empty.
  // false when it could not be sent (it then counts as unanswered all the same).
  using Send =
      std::function<bool(std::string_view aor, const Binding& binding, std::string_view callId)>;
  // Told of a binding dropped for its missed pings, before it is removed.
  using Dropped =
      std::function<void(std::string_view aor, const Binding& binding, unsigned missed)>;

  KeepAlivePinger(KeepAliveOptions options, Timers& timers, LocationService& location, Send send,
                  Dropped dropped = {});
  ~KeepAlivePinger();
  KeepAlivePinger(const KeepAlivePinger&) = delete;
  KeepAlivePinger& operator=(const KeepAlivePinger&) = delete;

  // Starts pinging (nothing when the interval is 0).
  void start();
  // A response whose Call-ID is one of our pings': true when it was ours (it is then consumed).
  bool answered(std::string_view callId);
  // Whether a binding is a UDP contact behind a NAT: it registered from another address than
  // its Contact names (a Contact with a host name counts as behind NAT: we cannot tell).
  static bool behindNat(const Binding& binding);

  const Stats& stats() const { return stats_; }
  const KeepAliveOptions& options() const { return options_; }
  std::size_t tracked() const { return entries_.size(); }

 private:
  struct Entry {
    std::string pending;  // Call-ID of the ping not answered yet
    unsigned missed = 0;
    std::uint64_t cycle = 0;  // the last cycle the binding was pinged in
  };
  void tick();
  void ping(std::string_view aor, const Binding& binding, std::vector<std::string>& drop);
  void forgetStale();
  std::string nextCallId();

  KeepAliveOptions options_;
  Timers& timers_;
  LocationService& location_;
  Send send_;
  Dropped dropped_;
  Stats stats_;
  Timers::Id timer_ = 0;
  std::uint64_t ticks_ = 0;
  std::uint64_t cycle_ = 0;  // ticks_ / slots: how many whole intervals have passed
  std::uint64_t sequence_ = 0;
  std::string callIdPrefix_;
  std::unordered_map<std::string, Entry> entries_;         // "<aor>\n<key>"
  std::unordered_map<std::string, std::string> byCallId_;  // pending ping -> entry
};

#define RTCGATE_KEEPALIVE_STAT_ENTRY(field, kind, metric, help) \
  Statistic<KeepAlivePinger::Stats>{&KeepAlivePinger::Stats::field, StatKind::kind, metric, help},
inline constexpr Statistic<KeepAlivePinger::Stats> kKeepAliveStatistics[] = {
    RTCGATE_KEEPALIVE_STATS(RTCGATE_KEEPALIVE_STAT_ENTRY)};
#undef RTCGATE_KEEPALIVE_STAT_ENTRY

}  // namespace rtcgate::proxy
