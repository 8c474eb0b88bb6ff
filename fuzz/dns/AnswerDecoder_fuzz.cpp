// libFuzzer target: decoding untrusted DNS responses (the records c-ares parses, the TTLs and the
// SOA read by hand), as each of the four record types a SIP server locator asks for.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "dns/AnswerDecoder.hpp"

using rtcgate::dns::DnsAnswer;
using rtcgate::dns::RecordType;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 65535) return 0;  // no DNS message is longer
  // An exact-size copy, so that a read past the end is caught even for an empty input.
  const std::vector<unsigned char> message(data, data + size);
  for (const auto type : {RecordType::A, RecordType::Aaaa, RecordType::Srv, RecordType::Naptr}) {
    const DnsAnswer answer =
        rtcgate::dns::decodeAnswer(type, message.data(), static_cast<int>(message.size()));
    const bool records = !answer.addresses.empty() || !answer.srv.empty() || !answer.naptr.empty();
    // Records exactly when Ok; a reason exactly when Failed; no TTL on a failure.
    if (answer.ok() != records) __builtin_trap();
    if ((answer.status == DnsAnswer::Status::Failed) == answer.error.empty()) __builtin_trap();
    if (answer.status == DnsAnswer::Status::Failed && answer.ttl != 0) __builtin_trap();
  }
  return 0;
}
