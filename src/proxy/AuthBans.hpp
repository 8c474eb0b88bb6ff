#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/Timers.hpp"

namespace rtcgate::proxy {

struct AuthBanOptions {
  bool enabled = true;
  std::uint32_t sourceFailures = 10;  // failed credentials from one IP within `window`
  std::uint32_t userFailures = 30;    // failed credentials for one user, from anywhere
  Duration window = std::chrono::seconds(60);
  Duration banTime = std::chrono::seconds(600);
  std::size_t maxTracked = 100000;  // sources and users counted at once (memory bound)
};

// Brute-force containment for digest authentication (Kamailio's pike, fail2ban): failed
// credentials -- wrong responses, never first challenges, so users behind one NAT are not banned
// for each other's probes -- are counted per source IP and per user in a fixed window. A source
// is banned when it fails too often itself, or when it fails against a user that too many
// sources are failing against (a distributed guess): then each of those sources is banned at its
// next failure, while the user, whose own phones hold the right password, is never locked out.
// A banned source is refused before any digest work. I/O-free: time comes in as `now`.
class AuthBans {
 public:
  struct Ban {
    std::string source;
    Clock::time_point until;
    std::string reason;
    std::uint32_t failures = 0;
  };

  explicit AuthBans(AuthBanOptions options = {}) : options_(options) {}

  bool isBanned(const std::string& source, Clock::time_point now);
  // A failed credential from source for user; true when it banned the source.
  bool recordFailure(const std::string& source, std::string_view user, Clock::time_point now);
  bool lift(const std::string& source) { return bans_.erase(source) != 0; }
  std::vector<Ban> active(Clock::time_point now);
  std::uint64_t bansTotal() const { return bansTotal_; }
  std::uint64_t refusedTotal() const { return refusedTotal_; }

 private:
  struct Window {
    Clock::time_point start;
    std::uint32_t count = 0;
  };
  std::uint32_t count(std::unordered_map<std::string, Window>& windows, const std::string& key,
                      Clock::time_point now);
  void forgetExpired(Clock::time_point now);
  void ban(const std::string& source, std::string reason, std::uint32_t failures,
           Clock::time_point now);

  AuthBanOptions options_;
  std::unordered_map<std::string, Window> bySource_;
  std::unordered_map<std::string, Window> byUser_;
  std::unordered_map<std::string, Ban> bans_;
  std::uint64_t bansTotal_ = 0;
  std::uint64_t refusedTotal_ = 0;
};

}  // namespace rtcgate::proxy
