#pragma once

#include <algorithm>

#include "base/Timers.hpp"

namespace rtcgate::transaction {

// RFC 3261 timer base values (17.1.1.1, table 4). Everything else derives from them, so a test or a
// deployment on a fast LAN can shrink T1 and keep the ratios the state machines rely on.
struct TimerValues {
  Duration t1{500};   // RTT estimate: first retransmission interval (A, E, G)
  Duration t2{4000};  // cap of the non-INVITE request and INVITE response retransmit interval
  Duration t4{5000};  // how long the network may still hold a message (I, K)
  Duration d{32000};  // Timer D: at least 32 s so all retransmitted finals are absorbed

  // Timers B, F, H, J (and RFC 6026 L, M): the transaction's whole lifetime budget.
  Duration timeout() const { return t1 * 64; }

  // Values the state machines can run on: a zero T1 would retransmit in a tight loop and T2 below
  // T1 would shrink the interval it is meant to cap.
  TimerValues clamped() const {
    TimerValues out = *this;
    out.t1 = std::max(t1, Duration{1});
    out.t2 = std::max(t2, out.t1);
    out.t4 = std::max(t4, Duration{0});
    out.d = std::max(d, Duration{0});
    return out;
  }
};

}  // namespace rtcgate::transaction
