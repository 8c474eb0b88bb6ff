#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <random>
#include <string>

#include "base/Result.hpp"
#include "base/Timers.hpp"
#include "dns/AresDnsClient.hpp"
#include "dns/DestinationBlacklist.hpp"
#include "dns/DnsCache.hpp"
#include "dns/SipServerLocator.hpp"

namespace rtcgate::dns {

// A gateway's name resolution, as the dns: section configures it: c-ares on the signalling loop,
// the cache in front of it, the destinations that failed lately, and the RFC 3263 locator over
// them, which the proxy asks where a name's requests go.
class DnsResolver {
 public:
  struct Options {
    AresDnsOptions client;
    DnsCache::Options cache;
  };

  // Fails, naming the entry at fault, as AresDnsClient::create does.
  static Result<std::unique_ptr<DnsResolver>, std::string> create(
      boost::asio::io_context& io, const Timers& timers, const Options& options,
      SipServerLocator::CanSend canSend);
  DnsResolver(const DnsResolver&) = delete;
  DnsResolver& operator=(const DnsResolver&) = delete;

  SipServerLocator& locator() { return locator_; }
  DestinationBlacklist& blacklist() { return blacklist_; }
  const AresDnsClient::Stats& clientStats() const { return client_->stats(); }
  const DnsCache::Stats& cacheStats() const { return cache_.stats(); }
  const DestinationBlacklist::Stats& blacklistStats() const { return blacklist_.stats(); }

 private:
  DnsResolver(std::unique_ptr<AresDnsClient> client, const Timers& timers, const Options& options,
              SipServerLocator::CanSend canSend);

  std::unique_ptr<AresDnsClient> client_;
  DnsCache cache_;
  DestinationBlacklist blacklist_;
  std::mt19937 random_;  // SRV weights: load sharing, not secrets
  SipServerLocator locator_;
};

}  // namespace rtcgate::dns
