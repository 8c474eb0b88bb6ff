// libFuzzer target: STUN parsing and the ICE-lite responder must never crash or read out of
// bounds, and every answer they produce must itself parse.
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>

#include "media/webrtc/IceLiteAgent.hpp"
#include "media/webrtc/StunMessage.hpp"
#include "media/webrtc/StunWriter.hpp"

namespace {

// A clock that never moves: the responder only reads now().
class StillTimers : public rtcgate::Timers {
 public:
  rtcgate::Clock::time_point now() const override { return {}; }
  rtcgate::WallClock::time_point wallNow() const override { return {}; }
  Id start(rtcgate::Duration, std::function<void()>) override { return 1; }
  void cancel(Id) override {}
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rtcgate::media;
  auto parsed = StunMessage::parse(data, size);
  if (parsed) (void)parsed->integrityMatches("VOkJxbRl1RmTxUk/WvJxBt");
  static StillTimers timers;
  IceLiteAgent agent(timers, {"evtj", "VOkJxbRl1RmTxUk/WvJxBt"});
  agent.setRemote("h6vY", "unused-password-value");
  PeerAddress from;
  from.storage.sin6_family = AF_INET6;
  from.length = sizeof(sockaddr_in6);
  std::array<std::uint8_t, StunWriter::kMaxSize> response{};
  const std::size_t answer = agent.onStun(data, size, from, response.data());
  if (answer != 0 && !StunMessage::parse(response.data(), answer)) __builtin_trap();
  return 0;
}
