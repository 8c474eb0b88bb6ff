#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "base/AddressRange.hpp"
#include "base/LogThrottle.hpp"
#include "base/Result.hpp"
#include "base/SocketAddress.hpp"
#include "media/packet/EventLoop.hpp"
#include "media/relay/RelayEngine.hpp"
#include "ng/CookieCache.hpp"

namespace rtcgate::media {

// The ng control protocol over UDP: "<cookie> <bencode dict>" in, the same cookie and the reply
// dict out, from the address the request arrived on. Retransmissions (same cookie) are answered
// from the cookie cache without running the command again; a duplicate that arrives while its
// original is still being handled is dropped (the client retries and then hits the cache). Runs on
// one loop; the handler may answer later (another worker ran the command) but must call the reply
// function on this loop's thread.
class NgServer {
 public:
  using ReplyFn = std::function<void(ng::Value)>;
  using Handler = std::function<void(const ng::Value& request, ReplyFn reply)>;

  NgServer(EventLoop& loop, Handler handler, Duration cookieLifetime);
  // Runs every command on `engine`, synchronously.
  NgServer(EventLoop& loop, RelayEngine& engine, Duration cookieLifetime);
  ~NgServer();
  NgServer(const NgServer&) = delete;
  NgServer& operator=(const NgServer&) = delete;

  // Only datagrams from these sources are processed; the others are dropped unanswered and
  // counted (whoever speaks ng controls every media session). Before this call: any source.
  void allowSources(std::vector<AddressRange> sources) { allowedSources_ = std::move(sources); }
  // Datagrams dropped for their source, on this loop's thread.
  std::uint64_t refusedSources() const { return refusedSources_; }

  // Binds one more UDP listener (port 0 picks a free port; see localAddresses()).
  Result<bool> listen(const SocketAddress& address);
  std::vector<SocketAddress> localAddresses() const;

  // One datagram in; `send` gets the reply datagram (not at all when it is dropped).
  void process(std::string_view datagram, std::function<void(const std::string&)> send);
  // The same for a synchronous handler: the reply, or nullopt when dropped or not ready.
  std::optional<std::string> process(std::string_view datagram);

 private:
  class Listener;
  bool sourceAllowed(const SocketAddress& source);

  EventLoop& loop_;
  Handler handler_;
  ng::CookieCache cache_;
  std::unordered_set<std::string> inFlight_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::optional<std::vector<AddressRange>> allowedSources_;
  std::uint64_t refusedSources_ = 0;
  LogThrottle refusalLog_{std::chrono::seconds(10), 5};
};

}  // namespace rtcgate::media
