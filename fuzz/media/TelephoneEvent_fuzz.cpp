// libFuzzer target: the RFC 4733 payload parser never reads past the input, and what it parses
// writes back to the same event.
#include <array>
#include <cstddef>
#include <cstdint>

#include "media/packet/TelephoneEvent.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rtcgate::media;
  const auto event = TelephoneEvent::parse(data, size);
  if (!event) return 0;
  std::array<std::uint8_t, TelephoneEvent::kSize> written{};
  event->write(written.data());
  if (TelephoneEvent::parse(written.data(), written.size()) != event) __builtin_trap();
  const char digit = dtmfDigitOf(event->event);
  if (event->isDtmf() != (digit != '\0')) __builtin_trap();
  if (digit != '\0' && dtmfEventOf(digit) != event->event) __builtin_trap();
  return 0;
}
