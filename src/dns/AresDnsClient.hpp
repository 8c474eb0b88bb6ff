#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/Result.hpp"
#include "base/Statistic.hpp"
#include "dns/DnsClient.hpp"

struct ares_channeldata;  // c-ares' channel (ares.h stays out of this header)

namespace rtcgate::dns {

struct AresDnsOptions {
  // Empty: the name servers of /etc/resolv.conf. Else IP literals with an optional port (53 by
  // default): "192.0.2.1", "192.0.2.1:5353", "[2001:db8::1]:53", "2001:db8::1".
  std::vector<std::string> servers;
  std::chrono::milliseconds timeout{2000};  // per try
  int tries = 2;
};

// The DNS counters, declared once (see base/Statistic.hpp).
#define RTCGATE_DNS_STATS(X)                                                             \
  X(queriesSent, Counter, "rtcgate_dns_queries_total", "DNS queries asked")              \
  X(answersOk, Counter, "rtcgate_dns_answers_ok_total", "DNS answers with records")      \
  X(answersNoData, Counter, "rtcgate_dns_answers_nodata_total",                          \
    "DNS answers: the name exists without records of the type")                          \
  X(answersNoName, Counter, "rtcgate_dns_answers_noname_total", "DNS answers: NXDOMAIN") \
  X(answersFailed, Counter, "rtcgate_dns_answers_failed_total",                          \
    "DNS queries failed: timeout, SERVFAIL, REFUSED, malformed answer, bad name")        \
  X(timeouts, Counter, "rtcgate_dns_timeouts_total",                                     \
    "DNS queries no server answered in time (also counted as failed)")

// DnsClient over c-ares, on the signalling loop: c-ares' sockets are watched by the io_context
// (never a blocking call), its retransmissions are driven by one timer. Queries go out as they
// are (ares_query: no search domains), so names are taken as fully qualified.
class AresDnsClient final : public DnsClient {
 public:
  struct Stats {
#define RTCGATE_DNS_STAT_FIELD(field, ...) std::uint64_t field = 0;
    RTCGATE_DNS_STATS(RTCGATE_DNS_STAT_FIELD)
#undef RTCGATE_DNS_STAT_FIELD
  };

  // Fails, naming the entry, on a server that is not an IP literal with a valid port, or when
  // c-ares cannot start (e.g. no memory, or /etc/resolv.conf unreadable).
  static Result<std::unique_ptr<AresDnsClient>, std::string> create(boost::asio::io_context& io,
                                                                    const AresDnsOptions& options);
  // Queries still in flight are dropped: their callbacks never run.
  ~AresDnsClient() override;
  AresDnsClient(const AresDnsClient&) = delete;
  AresDnsClient& operator=(const AresDnsClient&) = delete;

  void query(std::string_view name, RecordType type, Callback done) override;

  const Stats& stats() const { return stats_; }

 private:
  struct Watch;
  struct Pending;

  explicit AresDnsClient(boost::asio::io_context& io);

  // c-ares' callbacks (static: they get this client or the query as their void*).
  static void onSocketState(void* client, int fd, int readable, int writable);
  static void onAnswer(void* pending, int status, int timeouts, unsigned char* message, int length);

  void watchSocket(int fd, bool readable, bool writable);
  void arm(const std::shared_ptr<Watch>& watch);
  void onReady(const std::weak_ptr<Watch>& watch, bool read);
  void rescheduleTimer();
  void count(const DnsAnswer& answer, bool timedOut);
  void deliver(Callback done, DnsAnswer answer);

  boost::asio::io_context& io_;
  ares_channeldata* channel_ = nullptr;
  boost::asio::steady_timer timer_;
  std::unordered_map<int, std::shared_ptr<Watch>> watches_;  // by file descriptor
  // Work queued on the loop holds a weak copy: it does nothing once the client is gone.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  Stats stats_;
};

#define RTCGATE_DNS_STAT_ENTRY(field, kind, metric, help) \
  Statistic<AresDnsClient::Stats>{&AresDnsClient::Stats::field, StatKind::kind, metric, help},
inline constexpr Statistic<AresDnsClient::Stats> kDnsStatistics[] = {
    RTCGATE_DNS_STATS(RTCGATE_DNS_STAT_ENTRY)};
#undef RTCGATE_DNS_STAT_ENTRY

}  // namespace rtcgate::dns
