#include "sip/MessageLimits.hpp"

#include <gtest/gtest.h>

#include <string>

#include "sip/ErrorResponse.hpp"
#include "sip/SipMessage.hpp"

namespace rtcgate::sip {
namespace {

std::string options(const std::string& uri, const std::string& extra = "") {
  return "OPTIONS " + uri +
         " SIP/2.0\r\n"
         "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1\r\n"
         "Max-Forwards: 70\r\nFrom: <sip:a@example.test>;tag=1\r\nTo: <sip:b@example.test>\r\n"
         "Call-ID: limits\r\nCSeq: 1 OPTIONS\r\n" +
         extra + "Content-Length: 0\r\n\r\n";
}

// The reason parse() refused text with, or "" when it parsed.
const char* refusal(const std::string& text) {
  auto parsed = SipMessage::parse(text);
  return parsed ? "" : parsed.error();
}

std::string repeated(const std::string& line, std::size_t times) {
  std::string out;
  for (std::size_t i = 0; i < times; ++i) out += line;
  return out;
}

TEST(MessageLimits, UserPartAtTheCapParsesOneMoreIs414) {
  EXPECT_STREQ(refusal(options("sip:" + std::string(MessageLimits::kUserPart, '1') + "@x.test")),
               "");
  const char* reason =
      refusal(options("sip:" + std::string(MessageLimits::kUserPart + 1, '1') + "@x.test"));
  EXPECT_EQ(reason, kErrorUriTooLong);
  EXPECT_EQ(statusForParseError(reason), 414);
  EXPECT_TRUE(isLimitError(reason));
}

TEST(MessageLimits, ThirtyThousandDigitsAre414) {
  EXPECT_EQ(refusal(options("sip:" + std::string(30000, '9') + "@x.test")), kErrorUriTooLong);
}

TEST(MessageLimits, LongHostIs414) {
  EXPECT_EQ(refusal(options("sip:b@" + std::string(300, 'h') + ".test")), kErrorUriTooLong);
}

TEST(MessageLimits, LongUserInFromOrContactIs400) {
  const std::string user(MessageLimits::kUserPart + 1, 'u');
  const char* reason = refusal(options("sip:b@x.test", "Contact: <sip:" + user + "@x.test>\r\n"));
  EXPECT_EQ(reason, kErrorUriPartTooLong);
  EXPECT_EQ(statusForParseError(reason), 400);
}

TEST(MessageLimits, LongHeaderValue) {
  EXPECT_STREQ(refusal(options("sip:b@x.test", "Subject: " + std::string(8000, 'x') + "\r\n")), "");
  EXPECT_EQ(refusal(options("sip:b@x.test", "Subject: " + std::string(9000, 'x') + "\r\n")),
            kErrorHeaderTooLong);
}

TEST(MessageLimits, TooManyHeaderLines) {
  EXPECT_STREQ(refusal(options("sip:b@x.test", repeated("X-A: 1\r\n", 200))), "");
  EXPECT_EQ(refusal(options("sip:b@x.test", repeated("X-A: 1\r\n", 300))), kErrorTooManyHeaders);
}

TEST(MessageLimits, TooManyListEntriesOnOneLine) {
  std::string contacts = "Contact: <sip:c@x>";  // short entries: the line stays under 8192
  for (int i = 0; i < 600; ++i) contacts += ",<sip:c@x>";
  EXPECT_EQ(refusal(options("sip:b@x.test", contacts + "\r\n")), kErrorTooManyHeaders);
}

TEST(MessageLimits, Vias) {
  const std::string via = "Via: SIP/2.0/UDP 192.0.2.2;branch=z9hG4bK2\r\n";
  EXPECT_STREQ(refusal(options("sip:b@x.test", repeated(via, MessageLimits::kVias - 1))), "");
  EXPECT_EQ(refusal(options("sip:b@x.test", repeated(via, MessageLimits::kVias))),
            kErrorTooManyVias);
}

TEST(MessageLimits, RoutesOnOneLineOrMany) {
  std::string line = "Route: <sip:192.0.2.9;lr>";
  for (std::size_t i = 1; i <= MessageLimits::kRouteEntries; ++i) line += ", <sip:192.0.2.9;lr>";
  EXPECT_EQ(refusal(options("sip:b@x.test", line + "\r\n")), kErrorTooManyRoutes);
  const std::string rr = "Record-Route: <sip:192.0.2.9;lr>\r\n";
  EXPECT_STREQ(refusal(options("sip:b@x.test", repeated(rr, MessageLimits::kRouteEntries))), "");
  EXPECT_EQ(refusal(options("sip:b@x.test", repeated(rr, MessageLimits::kRouteEntries + 1))),
            kErrorTooManyRoutes);
}

TEST(MessageLimits, RefusalIsAnsweredWithItsReason) {
  const std::string text = options("sip:" + std::string(500, '1') + "@x.test");
  const char* reason = refusal(text);
  auto response = makeErrorResponse(text, statusForParseError(reason), reason);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->rfind("SIP/2.0 414 Request-URI Too Long\r\n", 0), 0u);
}

TEST(MessageLimits, OtherErrorsAreNotLimits) {
  EXPECT_FALSE(isLimitError(kErrorBadVersion));
  EXPECT_FALSE(isLimitError("Bad Via"));
}

}  // namespace
}  // namespace rtcgate::sip
