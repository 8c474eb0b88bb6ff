#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/Result.hpp"
#include "base/SocketAddress.hpp"
#include "media/EventLoop.hpp"
#include "media/RelayEngine.hpp"
#include "ng/CookieCache.hpp"

namespace rtcgate::media {

// The ng control protocol over UDP: "<cookie> <bencode dict>" in, the same cookie and the reply
// dict out, from the address the request arrived on. Retransmissions (same cookie) are answered
// from the cookie cache without running the command again. Runs on the engine's loop.
class NgServer {
 public:
  NgServer(EventLoop& loop, RelayEngine& engine, Duration cookieLifetime);
  ~NgServer();
  NgServer(const NgServer&) = delete;
  NgServer& operator=(const NgServer&) = delete;

  // Binds one more UDP listener (port 0 picks a free port; see localAddresses()).
  Result<bool> listen(const SocketAddress& address);
  std::vector<SocketAddress> localAddresses() const;

  // One datagram in, the reply datagram out; nullopt when it is dropped (no cookie).
  std::optional<std::string> process(std::string_view datagram);

 private:
  class Listener;

  EventLoop& loop_;
  RelayEngine& engine_;
  ng::CookieCache cache_;
  std::vector<std::unique_ptr<Listener>> listeners_;
};

}  // namespace rtcgate::media
