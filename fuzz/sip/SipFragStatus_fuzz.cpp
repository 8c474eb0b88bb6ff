// libFuzzer target: the status line of a REFER subscription's NOTIFY body (message/sipfrag)
// never crashes the parser, and whatever it accepts is a status from 100 to 699.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sip/SipFragStatus.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto status = rtcgate::sip::sipFragStatus(body);
  if (status && (*status < 100 || *status > 699)) __builtin_trap();
  return 0;
}
