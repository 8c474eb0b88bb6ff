#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/SocketAddress.hpp"

namespace rtcgate::dns {

// The record types a SIP server locator asks for (RFC 3263): their values on the wire.
enum class RecordType : std::uint16_t { A = 1, Aaaa = 28, Srv = 33, Naptr = 35 };

const char* recordTypeName(RecordType type);

struct SrvRecord {  // RFC 2782
  std::uint16_t priority = 0;
  std::uint16_t weight = 0;
  std::uint16_t port = 0;
  std::string target;
  friend bool operator==(const SrvRecord&, const SrvRecord&) = default;
};

struct NaptrRecord {  // RFC 3403
  std::uint16_t order = 0;
  std::uint16_t preference = 0;
  std::string flags;    // "s" for SIP: the replacement names an SRV record
  std::string service;  // "SIP+D2U", "SIP+D2T", "SIPS+D2T", ...
  std::string regexp;
  std::string replacement;
  friend bool operator==(const NaptrRecord&, const NaptrRecord&) = default;
};

// What one query for one name and type came back with. The records of the asked-for type only
// (addresses with port 0); ttl is the smallest TTL among them, or, for an answer without records,
// how long that may be cached (the SOA minimum of RFC 2308; 0 when the answer had no SOA).
struct DnsAnswer {
  enum class Status {
    Ok,      // records of the type (at least one)
    NoData,  // the name exists, without records of that type
    NoName,  // NXDOMAIN
    Failed,  // timeout, SERVFAIL, REFUSED, unreachable server, malformed answer
  };
  Status status = Status::Failed;
  std::uint32_t ttl = 0;
  std::vector<SocketAddress> addresses;  // A, AAAA
  std::vector<SrvRecord> srv;
  std::vector<NaptrRecord> naptr;
  std::string error;  // for Failed: what went wrong, for logs

  bool ok() const { return status == Status::Ok; }
};

}  // namespace rtcgate::dns
