#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dns/Destination.hpp"
#include "dns/DestinationBlacklist.hpp"
#include "dns/DnsCache.hpp"
#include "sip/SipUri.hpp"

namespace rtcgate::dns {

// Where a SIP URI's requests go (RFC 3263 section 4): literal addresses as written; names through
// NAPTR (which transports the domain offers, in its order), SRV (which servers, by priority, load
// shared by weight, RFC 2782) and A/AAAA, falling back from each to the next as the RFC says.
// The result is every destination in the order to try them (a request fails over along it), the
// blacklisted ones last. Only transports and address families we can send on are kept.
class SipServerLocator {
 public:
  struct Location {
    enum class Failure { None, NotFound, Unavailable };
    std::vector<Destination> destinations;  // best first; empty on failure
    Failure failure = Failure::None;  // NotFound: the names do not exist; Unavailable: DNS failed
    std::string error;                // why, for logs
  };
  using Callback = std::function<void(Location)>;
  // Whether we have a listener to send over `transport` to an IPv4 (false) or IPv6 (true) peer.
  using CanSend = std::function<bool(sip::Transport, bool v6)>;
  // A uniform random number: the weighted choice among SRV records of one priority.
  using Random = std::function<std::uint32_t()>;

  static constexpr std::size_t kMaxDestinations = 16;  // what one lookup may yield at most
  static constexpr std::size_t kMaxTargets = 8;        // SRV targets resolved per service

  SipServerLocator(DnsCache& cache, const DestinationBlacklist& blacklist, CanSend canSend,
                   Random random);

  // `done` runs inside this call when no query is needed (literal addresses, cached records),
  // else when the last answer comes. URIs other than sip: and sips: fail at once.
  void locate(const sip::SipUri& uri, Callback done);

 private:
  struct Job;
  struct Service {  // an SRV name to ask, and the transport it stands for
    sip::Transport transport;
    std::string name;
  };
  void byNaptr(std::shared_ptr<Job> job);
  void byServices(std::shared_ptr<Job> job, std::vector<Service> services, std::size_t next);
  void byAddress(std::shared_ptr<Job> job, std::string name, std::uint16_t port,
                 sip::Transport transport, std::function<void()> then);
  void bySrvTargets(std::shared_ptr<Job> job, std::vector<SrvRecord> targets, std::size_t next,
                    sip::Transport transport, std::function<void()> then);
  void finish(std::shared_ptr<Job> job);
  std::vector<Service> defaultServices(const Job& job) const;
  std::vector<SrvRecord> srvOrder(std::vector<SrvRecord> records) const;
  bool canSendAtAll(sip::Transport transport) const;
  static void note(Job& job, const DnsAnswer& answer, std::string_view name, RecordType type);

  DnsCache& cache_;
  const DestinationBlacklist& blacklist_;
  CanSend canSend_;
  Random random_;
};

}  // namespace rtcgate::dns
