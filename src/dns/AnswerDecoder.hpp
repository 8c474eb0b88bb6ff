#pragma once

#include "dns/DnsAnswer.hpp"

namespace rtcgate::dns {

// Turns a raw DNS response (the message c-ares hands a query callback) into a DnsAnswer, with
// no I/O: the records of the asked type (those that follow a CNAME in the answer included), their
// smallest TTL, and for an answer without them the negative-caching TTL of RFC 2308 (the
// authority SOA's TTL capped by its MINIMUM field; 0 without an SOA). Neither TTL exceeds that of
// a CNAME the answer went through: the records are only as fresh as the alias leading to them.
// The message comes from the network: every length is checked against the buffer, and anything
// that does not parse is a Failed answer saying why.
DnsAnswer decodeAnswer(RecordType asked, const unsigned char* message, int length);

}  // namespace rtcgate::dns
