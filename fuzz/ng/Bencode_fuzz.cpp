// libFuzzer target: bencode decoding, re-encoding and ng request parsing of untrusted datagrams.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ng/Bencode.hpp"
#include "ng/NgRequest.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto value = rtcgate::ng::Bencode::decode(input);
  if (!value) return 0;
  // What decodes must re-encode to something that decodes to the same value.
  const std::string encoded = rtcgate::ng::Bencode::encode(*value);
  auto again = rtcgate::ng::Bencode::decode(encoded);
  if (!again || !(*again == *value)) __builtin_trap();
  auto request = rtcgate::ng::NgRequest::parse(*value);
  if (request) (void)request->warningText();
  return 0;
}
