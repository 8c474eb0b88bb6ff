#include "dns/AnswerDecoder.hpp"

#include <ares.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "base/Result.hpp"

namespace rtcgate::dns {
namespace {

constexpr int kHeaderSize = 12;
constexpr int kRecordFixedSize = 10;  // TYPE, CLASS, TTL, RDLENGTH
constexpr int kSoaNumbersSize = 20;   // SERIAL, REFRESH, RETRY, EXPIRE, MINIMUM
constexpr std::uint16_t kTypeCname = 5;
constexpr std::uint16_t kTypeSoa = 6;

enum Rcode : int { kNoError = 0, kFormErr = 1, kServFail = 2, kNxDomain = 3, kRefused = 5 };

std::uint16_t read16(const unsigned char* at) {
  return static_cast<std::uint16_t>((at[0] << 8) | at[1]);
}

std::uint32_t read32(const unsigned char* at) {
  return (std::uint32_t{at[0]} << 24) | (std::uint32_t{at[1]} << 16) | (std::uint32_t{at[2]} << 8) |
         std::uint32_t{at[3]};
}

// RFC 2181 section 8: a TTL with its top bit set is to be read as 0.
std::uint32_t ttlValue(std::uint32_t raw) { return raw > 0x7fffffffU ? 0 : raw; }

void keepSmallest(std::optional<std::uint32_t>& smallest, std::uint32_t ttl) {
  smallest = smallest ? std::min(*smallest, ttl) : ttl;
}

struct Record {
  std::uint16_t type = 0;
  std::uint32_t ttl = 0;
  int rdata = 0;  // offset of RDATA in the message
  int rdataEnd = 0;
};

// Reads a message's sections in order. c-ares parses the records we keep; what it does not hand
// back (TTLs of SRV and NAPTR records, the authority's SOA) is read here, every length checked
// against the buffer.
class MessageReader {
 public:
  MessageReader(const unsigned char* message, int length) : message_(message), length_(length) {}

  // The encoded size of the (possibly compressed) name at `offset`; nullopt when it runs off the
  // message, loops or is not a name.
  std::optional<int> nameSize(int offset) const {
    if (offset < 0 || offset >= length_) return std::nullopt;
    char* expanded = nullptr;
    long size = 0;
    if (ares_expand_name(message_ + offset, message_, length_, &expanded, &size) != ARES_SUCCESS) {
      return std::nullopt;
    }
    ares_free_string(expanded);
    if (size <= 0 || size > length_ - offset) return std::nullopt;
    return static_cast<int>(size);
  }

  bool skipQuestion() {
    const auto size = nameSize(position_);
    if (!size || length_ - position_ - *size < 4) return false;  // QTYPE, QCLASS
    position_ += *size + 4;
    return true;
  }

  std::optional<Record> nextRecord() {
    const auto size = nameSize(position_);
    if (!size || length_ - position_ - *size < kRecordFixedSize) return std::nullopt;
    const unsigned char* fixed = message_ + position_ + *size;
    Record record;
    record.type = read16(fixed);
    record.ttl = ttlValue(read32(fixed + 4));
    const int rdlength = read16(fixed + 8);
    record.rdata = position_ + *size + kRecordFixedSize;
    if (rdlength > length_ - record.rdata) return std::nullopt;
    record.rdataEnd = record.rdata + rdlength;
    position_ = record.rdataEnd;
    return record;
  }

  // RFC 2308 section 5: a negative answer may be cached for the SOA's TTL, at most its MINIMUM.
  std::optional<std::uint32_t> negativeTtl(const Record& soa) const {
    const auto mname = nameSize(soa.rdata);
    if (!mname || *mname > soa.rdataEnd - soa.rdata) return std::nullopt;
    const int rname = soa.rdata + *mname;
    const auto rnameSize = nameSize(rname);
    if (!rnameSize || *rnameSize > soa.rdataEnd - rname - kSoaNumbersSize) return std::nullopt;
    const std::uint32_t minimum = ttlValue(read32(message_ + rname + *rnameSize + 16));
    return std::min(soa.ttl, minimum);
  }

 private:
  const unsigned char* message_;
  int length_;
  int position_ = kHeaderSize;
};

// What the answer and authority sections say about TTLs.
struct SectionTtls {
  int recordsOfType = 0;
  std::optional<std::uint32_t> records;   // smallest among the records of the asked type
  std::optional<std::uint32_t> cnames;    // smallest among the CNAMEs the answer went through
  std::optional<std::uint32_t> negative;  // from the authority's SOA (RFC 2308)
};

// An A record holds 4 bytes, an AAAA record 16 (c-ares would skip others silently).
bool sizeFits(RecordType type, const Record& record) {
  const int size = record.rdataEnd - record.rdata;
  if (type == RecordType::A) return size == 4;
  if (type == RecordType::Aaaa) return size == 16;
  return true;
}

Result<SectionTtls> readTtls(RecordType asked, const unsigned char* message, int length) {
  MessageReader reader(message, length);
  const int questions = read16(message + 4);
  const int answers = read16(message + 6);
  const int authorities = read16(message + 8);
  for (int i = 0; i < questions; ++i) {
    if (!reader.skipQuestion()) return Error{"malformed answer: question section"};
  }
  SectionTtls ttls;
  for (int i = 0; i < answers; ++i) {
    const auto record = reader.nextRecord();
    if (!record) return Error{"malformed answer: answer section"};
    if (record->type == static_cast<std::uint16_t>(asked)) {
      if (!sizeFits(asked, *record)) return Error{"malformed answer: address length"};
      ++ttls.recordsOfType;
      keepSmallest(ttls.records, record->ttl);
    } else if (record->type == kTypeCname) {
      keepSmallest(ttls.cnames, record->ttl);
    }
  }
  for (int i = 0; i < authorities; ++i) {
    const auto record = reader.nextRecord();
    if (!record) return Error{"malformed answer: authority section"};
    if (record->type != kTypeSoa) continue;
    const auto negative = reader.negativeTtl(*record);
    if (!negative) return Error{"malformed answer: SOA record"};
    keepSmallest(ttls.negative, *negative);
  }
  return ttls;
}

int decodeV4(const unsigned char* message, int length, int capacity, DnsAnswer& answer) {
  std::vector<ares_addrttl> found(static_cast<std::size_t>(capacity));
  int count = capacity;
  const int status = ares_parse_a_reply(message, length, nullptr, found.data(), &count);
  for (int i = 0; i < count && status == ARES_SUCCESS; ++i) {
    std::array<std::uint8_t, 4> bytes{};
    std::memcpy(bytes.data(), &found[i].ipaddr, bytes.size());
    answer.addresses.push_back(SocketAddress::fromV4(bytes, 0));
  }
  return status;
}

int decodeV6(const unsigned char* message, int length, int capacity, DnsAnswer& answer) {
  std::vector<ares_addr6ttl> found(static_cast<std::size_t>(capacity));
  int count = capacity;
  const int status = ares_parse_aaaa_reply(message, length, nullptr, found.data(), &count);
  for (int i = 0; i < count && status == ARES_SUCCESS; ++i) {
    std::array<std::uint8_t, 16> bytes{};
    std::memcpy(bytes.data(), &found[i].ip6addr, bytes.size());
    answer.addresses.push_back(SocketAddress::fromV6(bytes, 0));
  }
  return status;
}

int decodeSrv(const unsigned char* message, int length, DnsAnswer& answer) {
  ares_srv_reply* replies = nullptr;
  const int status = ares_parse_srv_reply(message, length, &replies);
  for (const ares_srv_reply* reply = replies; reply != nullptr; reply = reply->next) {
    answer.srv.push_back(SrvRecord{reply->priority, reply->weight, reply->port, reply->host});
  }
  if (replies != nullptr) ares_free_data(replies);
  return status;
}

std::string text(const unsigned char* value) {
  return value == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(value));
}

int decodeNaptr(const unsigned char* message, int length, DnsAnswer& answer) {
  ares_naptr_reply* replies = nullptr;
  const int status = ares_parse_naptr_reply(message, length, &replies);
  for (const ares_naptr_reply* reply = replies; reply != nullptr; reply = reply->next) {
    answer.naptr.push_back(NaptrRecord{reply->order, reply->preference, text(reply->flags),
                                       text(reply->service), text(reply->regexp),
                                       reply->replacement == nullptr ? "" : reply->replacement});
  }
  if (replies != nullptr) ares_free_data(replies);
  return status;
}

// Fills the answer's records of the asked type; `capacity` bounds how many addresses there are.
int decodeRecords(RecordType asked, const unsigned char* message, int length, int capacity,
                  DnsAnswer& answer) {
  switch (asked) {
    case RecordType::A:
      return decodeV4(message, length, capacity, answer);
    case RecordType::Aaaa:
      return decodeV6(message, length, capacity, answer);
    case RecordType::Srv:
      return decodeSrv(message, length, answer);
    case RecordType::Naptr:
      return decodeNaptr(message, length, answer);
  }
  return ARES_ENOTIMP;
}

bool hasRecords(const DnsAnswer& answer) {
  return !answer.addresses.empty() || !answer.srv.empty() || !answer.naptr.empty();
}

DnsAnswer failed(std::string error) {
  DnsAnswer answer;
  answer.status = DnsAnswer::Status::Failed;
  answer.error = std::move(error);
  return answer;
}

DnsAnswer failedRcode(int rcode) {
  switch (rcode) {
    case kFormErr:
      return failed("server answered FORMERR");
    case kServFail:
      return failed("server answered SERVFAIL");
    case kRefused:
      return failed("server answered REFUSED");
    default:
      return failed("server answered RCODE " + std::to_string(rcode));
  }
}

std::uint32_t capped(std::optional<std::uint32_t> ttl, const SectionTtls& ttls) {
  const std::uint32_t value = ttl.value_or(0);
  return ttls.cnames ? std::min(value, *ttls.cnames) : value;
}

DnsAnswer negative(DnsAnswer::Status status, const SectionTtls& ttls) {
  DnsAnswer answer;
  answer.status = status;
  answer.ttl = capped(ttls.negative, ttls);
  return answer;
}

}  // namespace

DnsAnswer decodeAnswer(RecordType asked, const unsigned char* message, int length) {
  if (message == nullptr || length < kHeaderSize) return failed("malformed answer: short header");
  const auto ttls = readTtls(asked, message, length);
  if (!ttls) return failed(ttls.error());
  const int rcode = message[3] & 0x0f;
  if (rcode == kNxDomain) return negative(DnsAnswer::Status::NoName, *ttls);
  if (rcode != kNoError) return failedRcode(rcode);
  if (ttls->recordsOfType == 0) return negative(DnsAnswer::Status::NoData, *ttls);

  DnsAnswer answer;
  const int status = decodeRecords(asked, message, length, ttls->recordsOfType, answer);
  if (status != ARES_SUCCESS && status != ARES_ENODATA) {
    return failed(std::string("malformed answer: ") + ares_strerror(status));
  }
  if (!hasRecords(answer)) return negative(DnsAnswer::Status::NoData, *ttls);
  answer.status = DnsAnswer::Status::Ok;
  answer.ttl = capped(ttls->records, *ttls);
  return answer;
}

}  // namespace rtcgate::dns
