#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "base/Timers.hpp"
#include "sip/Transport.hpp"
#include "transaction/TimerValues.hpp"
#include "transaction/TransactionStats.hpp"
#include "transaction/TransactionUser.hpp"

namespace rtcgate::transaction {

// Sends bytes on a flow; false when the transport refused them (no route, connection gone).
using SendFunction = std::function<bool(const sip::Flow&, std::string_view bytes)>;

// The RFC 3261 timer names, plus the RFC 6026 Accepted-state timers and the CANCEL wait of 9.1.
enum class TimerKind : std::uint8_t { A, B, D, E, F, G, H, I, J, K, L, M, CancelWait };

// What every transaction shares with its layer: the two seams, the TU, the timer values and the
// counters, plus the list of transactions that ended and wait to be freed. Freeing is deferred to
// the end of the outermost layer entry point because a transaction may end while its own method
// (or a TU callback it made) is still on the stack.
struct TransactionContext {
  Timers& timers;
  SendFunction send;
  TransactionUser& user;
  TimerValues values;
  TransactionStats stats;
  std::vector<TransactionId> ended;
  // Set by the layer: routes a fired timer back to its transaction by id, so a timer that outlives
  // its transaction finds nothing instead of a dangling pointer.
  std::function<void(TransactionId, TimerKind)> fire;

  Timers::Id startTimer(TransactionId id, TimerKind kind, Duration after) {
    // id and kind packed into one word: the capture stays inside std::function's small buffer.
    const std::uint64_t packed = (id << 4) | static_cast<std::uint64_t>(kind);
    return timers.start(
        after, [this, packed] { fire(packed >> 4, static_cast<TimerKind>(packed & 0xf)); });
  }
  void stopTimer(Timers::Id& timer) {
    if (timer != 0) timers.cancel(timer);
    timer = 0;
  }
};

}  // namespace rtcgate::transaction
