#include "media/packet/RtcpStats.hpp"

#include <chrono>

namespace rtcgate::media {

void RtcpStats::noteForwardedSenderReport(std::uint32_t ntpMiddle, Clock::time_point now) {
  forwarded_[next_] = {ntpMiddle, now};
  next_ = (next_ + 1) % kRemembered;
}

void RtcpStats::onReports(const RtcpSummary& summary, Clock::time_point now) {
  if (summary.blockCount == 0) return;
  ++reports_;
  lastBlock_ = summary.blocks[0];
  for (std::size_t i = 0; i < summary.blockCount; ++i) measureRoundTrip(summary.blocks[i], now);
}

void RtcpStats::measureRoundTrip(const RtcpReportBlock& block, Clock::time_point now) {
  if (block.lastSenderReport == 0) return;  // the party has seen no SR yet
  for (const ForwardedReport& sent : forwarded_) {
    if (sent.at == Clock::time_point{} || sent.ntpMiddle != block.lastSenderReport) continue;
    const auto held = std::chrono::microseconds(
        (static_cast<std::uint64_t>(block.delaySinceLastSr) * 1000000) >> 16);
    const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(now - sent.at);
    // A DLSR longer than the time since we forwarded the SR is the party's clock drift or a
    // stale echo: no measurement rather than a negative one.
    if (elapsed >= held) roundTripMicros_ = static_cast<std::uint32_t>((elapsed - held).count());
    return;
  }
}

}  // namespace rtcgate::media
