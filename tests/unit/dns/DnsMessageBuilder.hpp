#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rtcgate::dns::test {

using Bytes = std::vector<std::uint8_t>;

// Builds DNS responses byte by byte for the decoder's tests: names are given already encoded
// (name() or pointer()), so a test can compress them, break them or point them anywhere.
class DnsMessageBuilder {
 public:
  static constexpr std::uint16_t kA = 1, kCname = 5, kSoa = 6, kAaaa = 28, kSrv = 33, kNaptr = 35;
  static constexpr std::uint16_t kQuestionName = 12;  // where the question's name starts

  explicit DnsMessageBuilder(int rcode = 0) : rcode_(rcode) {}

  // "sip.example" -> 3 s i p 7 e x a m p l e 0; a tail of pointer(...) instead of the root when
  // `then` is given.
  static Bytes name(std::string_view dotted, const Bytes& then = {0}) {
    Bytes out;
    while (!dotted.empty()) {
      const auto dot = dotted.find('.');
      const auto label = dotted.substr(0, dot);
      out.push_back(static_cast<std::uint8_t>(label.size()));
      out.insert(out.end(), label.begin(), label.end());
      dotted = dot == std::string_view::npos ? std::string_view() : dotted.substr(dot + 1);
    }
    out.insert(out.end(), then.begin(), then.end());
    return out;
  }
  static Bytes pointer(std::uint16_t offset) {
    return {static_cast<std::uint8_t>(0xc0 | (offset >> 8)), static_cast<std::uint8_t>(offset)};
  }

  static Bytes a(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    return {a, b, c, d};
  }
  static Bytes aaaa(std::uint8_t last) {  // 2001:db8::<last>
    Bytes out(16, 0);
    out[0] = 0x20, out[1] = 0x01, out[2] = 0x0d, out[3] = 0xb8, out[15] = last;
    return out;
  }
  static Bytes srv(std::uint16_t priority, std::uint16_t weight, std::uint16_t port,
                   const Bytes& target) {
    Bytes out;
    put16(out, priority), put16(out, weight), put16(out, port);
    out.insert(out.end(), target.begin(), target.end());
    return out;
  }
  static Bytes naptr(std::uint16_t order, std::uint16_t preference, std::string_view flags,
                     std::string_view service, std::string_view regexp, const Bytes& replacement) {
    Bytes out;
    put16(out, order), put16(out, preference);
    for (const auto text : {flags, service, regexp}) {
      out.push_back(static_cast<std::uint8_t>(text.size()));
      out.insert(out.end(), text.begin(), text.end());
    }
    out.insert(out.end(), replacement.begin(), replacement.end());
    return out;
  }
  static Bytes soa(std::uint32_t minimum) {
    Bytes out = name("ns.example");
    const Bytes rname = name("hostmaster.example");
    out.insert(out.end(), rname.begin(), rname.end());
    for (const std::uint32_t value : {1u, 3600u, 600u, 86400u, minimum}) put32(out, value);
    return out;
  }

  DnsMessageBuilder& question(const Bytes& encodedName, std::uint16_t type) {
    ++counts_[0];
    append(questions_, encodedName);
    put16(questions_, type), put16(questions_, 1);
    return *this;
  }
  DnsMessageBuilder& answer(const Bytes& owner, std::uint16_t type, std::uint32_t ttl,
                            const Bytes& rdata) {
    ++counts_[1];
    record(answers_, owner, type, ttl, rdata);
    return *this;
  }
  DnsMessageBuilder& authority(const Bytes& owner, std::uint16_t type, std::uint32_t ttl,
                               const Bytes& rdata) {
    ++counts_[2];
    record(authorities_, owner, type, ttl, rdata);
    return *this;
  }

  Bytes bytes() const {
    Bytes out;
    put16(out, 0x1234);                                                            // ID
    out.push_back(0x81), out.push_back(0x80 | static_cast<std::uint8_t>(rcode_));  // QR RD, RA
    for (const auto count : counts_) put16(out, count);
    append(out, questions_), append(out, answers_), append(out, authorities_);
    return out;
  }

 private:
  static void put16(Bytes& out, std::uint16_t value) {
    out.push_back(static_cast<std::uint8_t>(value >> 8));
    out.push_back(static_cast<std::uint8_t>(value));
  }
  static void put32(Bytes& out, std::uint32_t value) {
    put16(out, static_cast<std::uint16_t>(value >> 16));
    put16(out, static_cast<std::uint16_t>(value));
  }
  static void append(Bytes& out, const Bytes& more) {
    out.insert(out.end(), more.begin(), more.end());
  }
  static void record(Bytes& out, const Bytes& owner, std::uint16_t type, std::uint32_t ttl,
                     const Bytes& rdata) {
    append(out, owner);
    put16(out, type), put16(out, 1), put32(out, ttl);
    put16(out, static_cast<std::uint16_t>(rdata.size()));
    append(out, rdata);
  }

  int rcode_;
  std::uint16_t counts_[4] = {0, 0, 0, 0};  // QD, AN, NS, AR
  Bytes questions_, answers_, authorities_;
};

}  // namespace rtcgate::dns::test
