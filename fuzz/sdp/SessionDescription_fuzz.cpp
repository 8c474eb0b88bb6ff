// libFuzzer target: SDP parsing must round-trip byte for byte, and rewriting must never crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sdp/SdpRewriter.hpp"
#include "sdp/SessionDescription.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto parsed = rtcgate::sdp::SessionDescription::parse(input);
  if (!parsed) return 0;
  const std::string written = parsed->toString();
  auto reparsed = rtcgate::sdp::SessionDescription::parse(written);
  if (!reparsed || reparsed->toString() != written) __builtin_trap();
  for (std::size_t i = 0; i < parsed->media().size(); ++i) {
    const auto& media = parsed->media()[i];
    (void)parsed->connectionAddress(i);
    for (auto format : media.formats()) (void)media.clockRate(format);
  }
  rtcgate::sdp::RewritePlan plan;
  plan.address = "192.0.2.1";
  plan.replaceOrigin = true;
  plan.protocol = "RTP/AVP";
  plan.ice = size % 2 == 0 ? rtcgate::sdp::IceAction::Insert : rtcgate::sdp::IceAction::Remove;
  plan.stripCrypto = true;
  plan.stripCodecs = {"pcmu"};
  plan.preferCodecs = {"opus"};
  plan.media.resize(parsed->media().size(), {30000, 30001, size % 3 == 0, "0"});
  rtcgate::sdp::SdpRewriter::rewrite(*parsed, plan);
  (void)parsed->toString();
  return 0;
}
