#pragma once

#include <cstdint>

namespace rtcgate::ng {

// A relay's counters at one moment, as /metrics exports them: summed over the embedded relay's
// workers, or read from an ng relay's `statistics` reply (RelayPool caches one per relay).
struct RelayTotals {
  std::uint64_t sessions = 0;          // calls now (a gauge)
  std::uint64_t managedSessions = 0;   // calls ever created
  std::uint64_t rejectedSessions = 0;  // new calls whose offer was refused
  std::uint64_t timeoutSessions = 0;   // calls deleted for lack of media
  std::uint64_t packets = 0;           // forwarded
  std::uint64_t bytes = 0;             // forwarded
  std::uint64_t sendErrors = 0;        // the kernel refused to send them
  std::uint64_t droppedPackets = 0;    // received and not forwarded (latch, SRTP, truncated)
  std::uint64_t lostPackets = 0;       // sequence gaps of streams that have ended
  std::uint64_t iceConsentFailures = 0;
  std::uint64_t dtlsFailures = 0;  // failed DTLS handshakes
  std::uint64_t ngRefused = 0;     // ng requests dropped for their source (relay.allowed_sources)

  RelayTotals& operator+=(const RelayTotals& other);
};

}  // namespace rtcgate::ng
