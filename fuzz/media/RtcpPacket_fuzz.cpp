// libFuzzer target: the relay reads every RTCP packet a party sends (after SRTCP decryption): the
// compound parser must never read out of bounds, and what it reads must keep RtcpStats sane.
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "media/packet/RtcpPacket.hpp"
#include "media/packet/RtcpStats.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rtcgate::media;
  RtcpSummary summary;
  if (!parseRtcp(data, size, summary)) return 0;
  if (summary.blockCount > RtcpSummary::kMaxBlocks) __builtin_trap();
  RtcpStats stats;
  const rtcgate::Clock::time_point now{std::chrono::seconds(10)};
  stats.noteForwardedSenderReport(summary.ntpMiddle, now - std::chrono::seconds(1));
  stats.onReports(summary, now);
  if (stats.roundTripMicros() > 1000000) __builtin_trap();
  return 0;
}
