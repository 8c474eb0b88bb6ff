#include "sip/ErrorResponse.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "sip/SipMessage.hpp"

namespace rtcgate::sip {
namespace {

std::string corpus(const std::string& name) {
  std::ifstream in(
      std::string(RTCGATE_SOURCE_DIR) + "/tests/data/sip-torture/rfc4475/" + name + ".sip",
      std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(ErrorResponse, AnswersScalar02WithItsOwnHeaders) {
  const std::string raw = corpus("scalar02");
  auto parsed = SipMessage::parse(raw);
  ASSERT_FALSE(parsed.ok());
  auto text = makeErrorResponse(raw, statusForParseError(parsed.error()), parsed.error(), "gw1");
  ASSERT_TRUE(text.ok()) << text.error();
  EXPECT_TRUE(text->starts_with("SIP/2.0 400 Bad CSeq\r\n"));
  EXPECT_NE(text->find("Via: SIP/2.0/TCP host129.example.com;branch=z9hG4bK342sdfoi3\r\n"),
            std::string::npos);
  EXPECT_NE(text->find("To: <sip:user@example.com>;tag=gw1\r\n"), std::string::npos);
  EXPECT_NE(text->find("Call-ID: scalar02.23o0pd9vanlq3wnrlnewofjas9ui32\r\n"), std::string::npos);
  EXPECT_NE(text->find("CSeq: 36893488147419103232 REGISTER\r\n"), std::string::npos);
  EXPECT_TRUE(text->ends_with("Content-Length: 0\r\n\r\n"));
}

TEST(ErrorResponse, BadVersionAndMismatchStatuses) {
  const std::string badvers = corpus("badvers");
  auto parsed = SipMessage::parse(badvers);
  ASSERT_FALSE(parsed.ok());
  auto text = makeErrorResponse(badvers, statusForParseError(parsed.error()), parsed.error());
  ASSERT_TRUE(text.ok());
  EXPECT_TRUE(text->starts_with("SIP/2.0 505 Version Not Supported\r\n"));
  // A well-formed answer: it parses as a response.
  auto response = SipMessage::parse(*text);
  ASSERT_TRUE(response.ok()) << response.error();
  EXPECT_EQ(response->statusCode(), 505);
}

TEST(ErrorResponse, CopiesEveryViaAndKeepsExistingToTag) {
  const std::string raw =
      "FOO sip:a@b SIP/2.0\r\nv: SIP/2.0/UDP a;branch=z9hG4bK1,\r\n SIP/2.0/UDP "
      "b;branch=z9hG4bK2\r\n"
      "Via: SIP/2.0/UDP c;branch=z9hG4bK3\r\nt: <sip:a@b>;tag=x\r\nf: <sip:c@d>;tag=y\r\n"
      "i: abc\r\nCSeq: 1 BAR\r\n\r\n";
  auto text = makeErrorResponse(raw, 501, "Not Implemented", "mine");
  ASSERT_TRUE(text.ok());
  auto response = SipMessage::parse(*text);
  ASSERT_TRUE(response.ok()) << response.error();
  EXPECT_EQ(response->count(HeaderId::Via), 3u);
  EXPECT_EQ(response->toTag(), "x");
  EXPECT_EQ(response->callId(), "abc");
}

TEST(ErrorResponse, RefusesWhatCannotBeAnswered) {
  EXPECT_FALSE(makeErrorResponse(corpus("insuf"), 400, "Missing Call-ID").ok());
  EXPECT_FALSE(makeErrorResponse(corpus("bigcode"), 400, "x").ok());  // a response
  EXPECT_FALSE(makeErrorResponse("", 400, "x").ok());
  EXPECT_FALSE(makeErrorResponse("garbage without lines", 400, "x").ok());
  EXPECT_FALSE(
      makeErrorResponse(
          "A sip:a@b SIP/2.0\r\nVia: nonsense\r\nTo: a\r\nFrom: b\r\ni: c\r\nCSeq: 1 A\r\n\r\n",
          400, "x")
          .ok());
}

TEST(ErrorResponse, ReasonCannotInjectHeaders) {
  const std::string raw = corpus("scalar02");
  auto text = makeErrorResponse(raw, 400, "Bad\r\nX-Injected: 1");
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->find("\r\nX-Injected"), std::string::npos);
}

}  // namespace
}  // namespace rtcgate::sip
