#include "dns/DnsResolver.hpp"

namespace rtcgate::dns {

Result<std::unique_ptr<DnsResolver>, std::string> DnsResolver::create(
    boost::asio::io_context& io, const Timers& timers, const Options& options,
    SipServerLocator::CanSend canSend) {
  auto client = AresDnsClient::create(io, options.client);
  if (!client) return client.error();
  return std::unique_ptr<DnsResolver>(
      new DnsResolver(std::move(*client), timers, options, std::move(canSend)));
}

DnsResolver::DnsResolver(std::unique_ptr<AresDnsClient> client, const Timers& timers,
                         const Options& options, SipServerLocator::CanSend canSend)
    : client_(std::move(client)),
      cache_(*client_, timers, options.cache),
      blacklist_(timers),
      random_(std::random_device{}()),
      locator_(cache_, blacklist_, std::move(canSend),
               [this] { return static_cast<std::uint32_t>(random_()); }) {}

}  // namespace rtcgate::dns
