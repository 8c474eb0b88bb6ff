#pragma once

#include <array>
#include <cstdint>

#include "base/Timers.hpp"
#include "media/packet/RtcpPacket.hpp"

namespace rtcgate::media {

// What one party's RTCP tells the relay, kept on the stream its RTCP arrives on (the same stream
// that carries its partner's RTCP to it): how the party receives its partner's media (the loss
// and jitter of its latest report block) and the round-trip time between the relay and the
// party. The round trip needs no clock of the party's: the relay notes when it forwarded each of
// the partner's sender reports to the party, and the party's report echoes that SR (LSR) with
// how long it held it (DLSR), RFC 3550 §6.4.1. Fixed size, updated on the packet path.
class RtcpStats {
 public:
  // A sender report of the partner's leaving toward this party now.
  void noteForwardedSenderReport(std::uint32_t ntpMiddle, Clock::time_point now);
  // This party sent RTCP: its report blocks describe what it receives.
  void onReports(const RtcpSummary& summary, Clock::time_point now);

  std::uint64_t reports() const { return reports_; }
  // Round trip relay <-> party of the latest report that echoed a known SR; 0 when none yet.
  std::uint32_t roundTripMicros() const { return roundTripMicros_; }
  const RtcpReportBlock& lastBlock() const { return lastBlock_; }

 private:
  struct ForwardedReport {
    std::uint32_t ntpMiddle = 0;
    Clock::time_point at{};
  };
  static constexpr std::size_t kRemembered = 4;

  void measureRoundTrip(const RtcpReportBlock& block, Clock::time_point now);

  std::array<ForwardedReport, kRemembered> forwarded_{};
  std::size_t next_ = 0;
  std::uint64_t reports_ = 0;
  std::uint32_t roundTripMicros_ = 0;
  RtcpReportBlock lastBlock_{};
};

}  // namespace rtcgate::media
