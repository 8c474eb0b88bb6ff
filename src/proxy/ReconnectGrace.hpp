#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/Timers.hpp"

namespace rtcgate::proxy {

// Calls whose browser lost its WebSocket, kept while the browser reconnects (calls.
// reconnect_grace). A browser is reached only over the connection it opened, so a call can go
// on only when the same device comes back: the same AOR and RFC 5626 registration key
// (+sip.instance;reg-id) registered on a new connection. Each waiting side holds a timer; when
// it fires first, the call ends. Single-threaded, on the signalling loop.
class ReconnectGrace {
 public:
  struct Wait {
    std::uint64_t dialogId = 0;
    std::uint64_t connectionId = 0;  // the closed WebSocket the side was on
    Timers::Id timer = 0;
  };

  // The registration a returning browser will renew: the AOR and its binding key.
  static std::string registration(std::string_view aor, std::string_view bindingKey);

  void add(const std::string& registration, Wait wait);
  // The browser registered again: the calls waiting for it, no longer waiting.
  std::vector<Wait> take(const std::string& registration);
  // The call ended or its grace ran out: no longer waiting. The wait, if there was one.
  std::optional<Wait> forget(std::uint64_t dialogId);
  bool waiting(std::uint64_t dialogId) const { return byDialog_.contains(dialogId); }
  bool empty() const { return byDialog_.empty(); }
  std::size_t size() const { return byDialog_.size(); }

 private:
  std::unordered_multimap<std::string, Wait> byRegistration_;
  std::unordered_map<std::uint64_t, std::string> byDialog_;
};

}  // namespace rtcgate::proxy
