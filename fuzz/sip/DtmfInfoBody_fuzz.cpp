// libFuzzer target: SIP INFO DTMF bodies in both formats never crash the parser, and a parsed
// digit written back in either format parses to the same digit and duration.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sip/DtmfInfoBody.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using rtcgate::sip::DtmfInfoBody;
  if (size == 0) return 0;
  // The first byte picks the Content-Type; the rest is the body.
  const auto format =
      (data[0] & 1) != 0 ? DtmfInfoBody::Format::DtmfRelay : DtmfInfoBody::Format::Dtmf;
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  const auto parsed = DtmfInfoBody::parse(DtmfInfoBody::contentType(format), body);
  if (!parsed) return 0;
  const auto relay = DtmfInfoBody::parse(DtmfInfoBody::contentType(DtmfInfoBody::Format::DtmfRelay),
                                         parsed->write(DtmfInfoBody::Format::DtmfRelay));
  if (!relay || relay->digit != parsed->digit || relay->durationMs != parsed->durationMs) {
    __builtin_trap();
  }
  const auto plain = DtmfInfoBody::parse(DtmfInfoBody::contentType(DtmfInfoBody::Format::Dtmf),
                                         parsed->write(DtmfInfoBody::Format::Dtmf));
  if (!plain || plain->digit != parsed->digit) __builtin_trap();
  return 0;
}
