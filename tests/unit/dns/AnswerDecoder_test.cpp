#include "dns/AnswerDecoder.hpp"

#include <gtest/gtest.h>

#include "unit/dns/DnsMessageBuilder.hpp"

namespace rtcgate::dns {
namespace {

using test::Bytes;
using test::DnsMessageBuilder;
using Status = DnsAnswer::Status;

DnsAnswer decode(RecordType asked, const Bytes& message) {
  return decodeAnswer(asked, message.data(), static_cast<int>(message.size()));
}

const Bytes kQuestion = DnsMessageBuilder::name("sip.example");
const Bytes kAtQuestion = DnsMessageBuilder::pointer(DnsMessageBuilder::kQuestionName);

TEST(AnswerDecoderTest, ARecordsWithTheSmallestTtl) {
  const auto message =
      DnsMessageBuilder()
          .question(kQuestion, DnsMessageBuilder::kA)
          .answer(kQuestion, DnsMessageBuilder::kA, 300, DnsMessageBuilder::a(192, 0, 2, 1))
          .answer(kQuestion, DnsMessageBuilder::kA, 120, DnsMessageBuilder::a(192, 0, 2, 2))
          .bytes();
  const auto answer = decode(RecordType::A, message);
  ASSERT_EQ(answer.status, Status::Ok) << answer.error;
  EXPECT_EQ(answer.ttl, 120u);
  ASSERT_EQ(answer.addresses.size(), 2u);
  EXPECT_EQ(answer.addresses[0].toString(), "192.0.2.1:0");
  EXPECT_EQ(answer.addresses[1].toString(), "192.0.2.2:0");
}

TEST(AnswerDecoderTest, AaaaRecords) {
  const auto message =
      DnsMessageBuilder()
          .question(kQuestion, DnsMessageBuilder::kAaaa)
          .answer(kAtQuestion, DnsMessageBuilder::kAaaa, 60, DnsMessageBuilder::aaaa(7))
          .bytes();
  const auto answer = decode(RecordType::Aaaa, message);
  ASSERT_EQ(answer.status, Status::Ok) << answer.error;
  EXPECT_EQ(answer.ttl, 60u);
  ASSERT_EQ(answer.addresses.size(), 1u);
  EXPECT_TRUE(answer.addresses[0].isV6());
  EXPECT_EQ(answer.addresses[0].host(), "2001:db8::7");
}

TEST(AnswerDecoderTest, SrvRecordsWithTheirTtlsReadFromTheMessage) {
  const auto owner = DnsMessageBuilder::name("_sip._udp.example");
  const auto message =
      DnsMessageBuilder()
          .question(owner, DnsMessageBuilder::kSrv)
          .answer(kAtQuestion, DnsMessageBuilder::kSrv, 900,
                  DnsMessageBuilder::srv(10, 60, 5060, DnsMessageBuilder::name("a.example")))
          .answer(kAtQuestion, DnsMessageBuilder::kSrv, 45,
                  DnsMessageBuilder::srv(20, 0, 5080, DnsMessageBuilder::name("b.example")))
          .bytes();
  const auto answer = decode(RecordType::Srv, message);
  ASSERT_EQ(answer.status, Status::Ok) << answer.error;
  EXPECT_EQ(answer.ttl, 45u);
  ASSERT_EQ(answer.srv.size(), 2u);
  EXPECT_EQ(answer.srv[0], (SrvRecord{10, 60, 5060, "a.example"}));
  EXPECT_EQ(answer.srv[1], (SrvRecord{20, 0, 5080, "b.example"}));
}

TEST(AnswerDecoderTest, NaptrRecords) {
  const auto message =
      DnsMessageBuilder()
          .question(DnsMessageBuilder::name("example"), DnsMessageBuilder::kNaptr)
          .answer(kAtQuestion, DnsMessageBuilder::kNaptr, 3600,
                  DnsMessageBuilder::naptr(50, 10, "s", "SIP+D2U", "",
                                           DnsMessageBuilder::name("_sip._udp", kAtQuestion)))
          .answer(kAtQuestion, DnsMessageBuilder::kNaptr, 1800,
                  DnsMessageBuilder::naptr(90, 50, "s", "SIPS+D2T", "",
                                           DnsMessageBuilder::name("_sips._tcp", kAtQuestion)))
          .bytes();
  const auto answer = decode(RecordType::Naptr, message);
  ASSERT_EQ(answer.status, Status::Ok) << answer.error;
  EXPECT_EQ(answer.ttl, 1800u);
  ASSERT_EQ(answer.naptr.size(), 2u);
  EXPECT_EQ(answer.naptr[0], (NaptrRecord{50, 10, "s", "SIP+D2U", "", "_sip._udp.example"}));
  EXPECT_EQ(answer.naptr[1], (NaptrRecord{90, 50, "s", "SIPS+D2T", "", "_sips._tcp.example"}));
}

TEST(AnswerDecoderTest, RecordsBehindACnameChainAreKeptAndTheChainCapsTheTtl) {
  const auto alias = DnsMessageBuilder::name("alias.example");
  const auto canonical = DnsMessageBuilder::name("host.example");
  const auto message =
      DnsMessageBuilder()
          .question(kQuestion, DnsMessageBuilder::kA)
          .answer(kAtQuestion, DnsMessageBuilder::kCname, 50, alias)
          .answer(alias, DnsMessageBuilder::kCname, 600, canonical)
          .answer(canonical, DnsMessageBuilder::kA, 100, DnsMessageBuilder::a(198, 51, 100, 9))
          .bytes();
  const auto answer = decode(RecordType::A, message);
  ASSERT_EQ(answer.status, Status::Ok) << answer.error;
  ASSERT_EQ(answer.addresses.size(), 1u);
  EXPECT_EQ(answer.addresses[0].host(), "198.51.100.9");
  EXPECT_EQ(answer.ttl, 50u);  // the first alias expires first
}

TEST(AnswerDecoderTest, CompressionPointersInOwnersAndTargets) {
  // The target "host" + pointer to the question's name ("sip.example"): host.sip.example.
  const auto message =
      DnsMessageBuilder()
          .question(kQuestion, DnsMessageBuilder::kSrv)
          .answer(kAtQuestion, DnsMessageBuilder::kSrv, 30,
                  DnsMessageBuilder::srv(1, 2, 5061, DnsMessageBuilder::name("host", kAtQuestion)))
          .bytes();
  const auto answer = decode(RecordType::Srv, message);
  ASSERT_EQ(answer.status, Status::Ok) << answer.error;
  ASSERT_EQ(answer.srv.size(), 1u);
  EXPECT_EQ(answer.srv[0].target, "host.sip.example");
  EXPECT_EQ(answer.ttl, 30u);
}

TEST(AnswerDecoderTest, NxdomainWithSoaIsCachedForTheSmallerOfItsTtlAndMinimum) {
  const auto zone = DnsMessageBuilder::name("example");
  auto withSoa = [&](std::uint32_t soaTtl, std::uint32_t minimum) {
    return DnsMessageBuilder(3)
        .question(kQuestion, DnsMessageBuilder::kA)
        .authority(zone, DnsMessageBuilder::kSoa, soaTtl, DnsMessageBuilder::soa(minimum))
        .bytes();
  };
  auto answer = decode(RecordType::A, withSoa(3600, 300));
  EXPECT_EQ(answer.status, Status::NoName);
  EXPECT_EQ(answer.ttl, 300u);
  answer = decode(RecordType::A, withSoa(90, 300));
  EXPECT_EQ(answer.status, Status::NoName);
  EXPECT_EQ(answer.ttl, 90u);
  EXPECT_TRUE(answer.addresses.empty());
}

TEST(AnswerDecoderTest, NxdomainWithoutSoaIsNotCached) {
  const auto message = DnsMessageBuilder(3).question(kQuestion, DnsMessageBuilder::kSrv).bytes();
  const auto answer = decode(RecordType::Srv, message);
  EXPECT_EQ(answer.status, Status::NoName);
  EXPECT_EQ(answer.ttl, 0u);
}

TEST(AnswerDecoderTest, NoDataTakesTheSoaTtlAndIgnoresRecordsOfOtherTypes) {
  const auto message =
      DnsMessageBuilder()
          .question(kQuestion, DnsMessageBuilder::kAaaa)
          .answer(kAtQuestion, DnsMessageBuilder::kA, 300, DnsMessageBuilder::a(192, 0, 2, 1))
          .authority(DnsMessageBuilder::name("example"), DnsMessageBuilder::kSoa, 600,
                     DnsMessageBuilder::soa(120))
          .bytes();
  const auto answer = decode(RecordType::Aaaa, message);
  EXPECT_EQ(answer.status, Status::NoData);
  EXPECT_EQ(answer.ttl, 120u);
  EXPECT_TRUE(answer.addresses.empty());
}

TEST(AnswerDecoderTest, ServerFailuresAreFailedWithTheirRcode) {
  auto answer = decode(RecordType::A, DnsMessageBuilder(2).question(kQuestion, 1).bytes());
  EXPECT_EQ(answer.status, Status::Failed);
  EXPECT_NE(answer.error.find("SERVFAIL"), std::string::npos) << answer.error;
  answer = decode(RecordType::A, DnsMessageBuilder(5).question(kQuestion, 1).bytes());
  EXPECT_EQ(answer.status, Status::Failed);
  EXPECT_NE(answer.error.find("REFUSED"), std::string::npos) << answer.error;
  answer = decode(RecordType::A, DnsMessageBuilder(9).question(kQuestion, 1).bytes());
  EXPECT_EQ(answer.status, Status::Failed);
  EXPECT_NE(answer.error.find("9"), std::string::npos) << answer.error;
}

TEST(AnswerDecoderTest, EveryTruncationOfAValidAnswerFails) {
  const auto message =
      DnsMessageBuilder()
          .question(kQuestion, DnsMessageBuilder::kSrv)
          .answer(kAtQuestion, DnsMessageBuilder::kSrv, 30,
                  DnsMessageBuilder::srv(1, 2, 5061, DnsMessageBuilder::name("host", kAtQuestion)))
          .authority(DnsMessageBuilder::name("example"), DnsMessageBuilder::kSoa, 600,
                     DnsMessageBuilder::soa(120))
          .bytes();
  ASSERT_EQ(decode(RecordType::Srv, message).status, Status::Ok);
  for (std::size_t size = 0; size < message.size(); ++size) {
    // A copy of exactly `size` bytes, so that reading past it is caught by sanitizers.
    const Bytes prefix(message.begin(), message.begin() + static_cast<std::ptrdiff_t>(size));
    const auto answer = decodeAnswer(RecordType::Srv, prefix.empty() ? nullptr : prefix.data(),
                                     static_cast<int>(size));
    EXPECT_EQ(answer.status, Status::Failed) << "at " << size;
    EXPECT_FALSE(answer.error.empty());
  }
}

TEST(AnswerDecoderTest, MalformedRecordsFail) {
  // An owner name pointing at itself (a loop): it sits right after the question.
  const Bytes loop = DnsMessageBuilder::pointer(
      static_cast<std::uint16_t>(DnsMessageBuilder::kQuestionName + kQuestion.size() + 4));
  auto message = DnsMessageBuilder()
                     .question(kQuestion, DnsMessageBuilder::kA)
                     .answer(loop, DnsMessageBuilder::kA, 30, DnsMessageBuilder::a(192, 0, 2, 1))
                     .bytes();
  EXPECT_EQ(decode(RecordType::A, message).status, Status::Failed);

  // An A record of 3 bytes (c-ares would skip it and call the answer NODATA).
  message = DnsMessageBuilder()
                .question(kQuestion, DnsMessageBuilder::kA)
                .answer(kAtQuestion, DnsMessageBuilder::kA, 30, Bytes{192, 0, 2})
                .bytes();
  EXPECT_EQ(decode(RecordType::A, message).status, Status::Failed);

  // An SOA whose numbers are cut short.
  Bytes shortSoa = DnsMessageBuilder::soa(60);
  shortSoa.resize(shortSoa.size() - 2);
  message =
      DnsMessageBuilder(3)
          .question(kQuestion, DnsMessageBuilder::kA)
          .authority(DnsMessageBuilder::name("example"), DnsMessageBuilder::kSoa, 60, shortSoa)
          .bytes();
  EXPECT_EQ(decode(RecordType::A, message).status, Status::Failed);

  // An RDLENGTH past the end.
  message = DnsMessageBuilder()
                .question(kQuestion, DnsMessageBuilder::kA)
                .answer(kAtQuestion, DnsMessageBuilder::kA, 30, DnsMessageBuilder::a(192, 0, 2, 1))
                .bytes();
  message[message.size() - 6] = 0x10;  // RDLENGTH 4 -> 4100
  EXPECT_EQ(decode(RecordType::A, message).status, Status::Failed);

  EXPECT_EQ(decodeAnswer(RecordType::A, nullptr, 0).status, Status::Failed);
}

TEST(AnswerDecoderTest, ATtlWithTheTopBitSetCountsAsZero) {
  const auto message = DnsMessageBuilder()
                           .question(kQuestion, DnsMessageBuilder::kA)
                           .answer(kAtQuestion, DnsMessageBuilder::kA, 0x80000000u,
                                   DnsMessageBuilder::a(192, 0, 2, 1))
                           .bytes();
  const auto answer = decode(RecordType::A, message);
  ASSERT_EQ(answer.status, Status::Ok);
  EXPECT_EQ(answer.ttl, 0u);
}

}  // namespace
}  // namespace rtcgate::dns
