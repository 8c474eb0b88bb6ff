#pragma once

#include <cstdint>

namespace rtcgate {

enum class StatKind { Counter, Gauge };

// One line of a component's stats list (the RTCGATE_*_STATS X-macros beside ProxyStats,
// TransportStats, KeepAlivePinger::Stats): the struct field and the Prometheus family that
// exports it. The list generates the fields and this table, and the management API walks the
// table, so a new counter is one line next to the struct and its name and help sit beside it.
template <class Stats, class Value = std::uint64_t>
struct Statistic {
  Value Stats::*field;
  StatKind kind;
  const char* metric;  // nullptr: kept for tests and logs, not exported
  const char* help;
};

}  // namespace rtcgate
