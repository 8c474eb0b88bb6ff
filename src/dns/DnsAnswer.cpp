#include "dns/DnsAnswer.hpp"

namespace rtcgate::dns {

const char* recordTypeName(RecordType type) {
  switch (type) {
    case RecordType::A:
      return "A";
    case RecordType::Aaaa:
      return "AAAA";
    case RecordType::Srv:
      return "SRV";
    case RecordType::Naptr:
      return "NAPTR";
  }
  return "?";
}

}  // namespace rtcgate::dns
