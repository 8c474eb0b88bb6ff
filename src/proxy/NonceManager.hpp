#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/Timers.hpp"

namespace rtcgate::proxy {

// Issues and checks digest nonces (RFC 7616 3.3). A nonce carries its issue time and a sequence
// number, authenticated with HMAC-SHA256 under a per-process random secret, so nothing is kept
// per issued nonce: challenges cost no memory, and a flood of unanswered 401s cannot fill a table.
// State exists only for nonces that were used, to refuse replays: with qop=auth the nonce count
// must grow strictly; without qop a nonce is good once. That table is bounded; when full, the
// oldest entries are dropped and every nonce at least as old becomes stale (the client retries
// with a fresh one), so eviction never reopens a replay window.
class NonceManager {
 public:
  struct Options {
    Duration lifetime = std::chrono::seconds(300);
    std::size_t maxTracked = 100000;
  };

  enum class Check {
    Valid,
    Stale,     // ours, but too old (or evicted): answer with a fresh challenge, stale=true
    Invalid,   // not a nonce we issued (or from before a restart)
    Replayed,  // nonce count not above the last one seen, or a qop-less nonce reused
  };

  explicit NonceManager(const Timers& timers) : NonceManager(timers, Options{}) {}
  NonceManager(const Timers& timers, Options options);
  // A fixed secret, for tests that need reproducible nonces.
  NonceManager(const Timers& timers, Options options, std::array<std::uint8_t, 32> secret);

  std::string issue();

  // Authenticity and age only; records nothing.
  Check validate(std::string_view nonce) const;
  // validate() plus the replay check; on Valid the use is recorded. nc is the nonce count of a
  // qop=auth response, nullopt for a response without qop.
  Check consume(std::string_view nonce, std::optional<std::uint32_t> nc);

  std::size_t trackedCount() const { return used_.size(); }
  Duration lifetime() const { return options_.lifetime; }

 private:
  static constexpr std::size_t kStampBytes = 16;  // issue time (8) + sequence (8)
  static constexpr std::size_t kMacBytes = 16;    // truncated HMAC-SHA256
  static constexpr std::size_t kNonceChars = 2 * (kStampBytes + kMacBytes);

  struct Decoded {
    std::int64_t issuedMs = 0;
    std::uint64_t sequence = 0;
  };
  struct Use {
    std::int64_t issuedMs = 0;
    std::uint32_t lastNc = 0;  // 0: used without qop
  };

  std::optional<Decoded> decode(std::string_view nonce) const;
  Check checkAge(const Decoded& decoded) const;
  void mac(const std::uint8_t* stamp, std::uint8_t* out) const;
  std::int64_t nowMs() const;
  void forgetExpired();
  void makeRoom();

  const Timers& timers_;
  Options options_;
  std::array<std::uint8_t, 32> secret_{};
  std::uint64_t nextSequence_ = 1;
  // Used nonces by sequence, which grows with issue time, so the front is the oldest.
  std::map<std::uint64_t, Use> used_;
  std::uint64_t evictedBelow_ = 0;  // sequences below this were dropped from used_ while live
};

}  // namespace rtcgate::proxy
