#include "sip/StreamFramer.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace rtcgate::sip {
namespace {

using Status = StreamFramer::Status;

const std::string kOptions =
    "OPTIONS sip:a@example.com SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n"
    "Content-Length: 5\r\n\r\nhello";

TEST(StreamFramer, FramesOneMessageByContentLength) {
  StreamFramer f(65535);
  auto frame = f.next(kOptions + "OPTIONS next");
  EXPECT_EQ(frame.status, Status::Message);
  EXPECT_EQ(frame.length, kOptions.size());
}

TEST(StreamFramer, NeedsMoreUntilBodyComplete) {
  StreamFramer f(65535);
  for (std::size_t n = 0; n < kOptions.size(); ++n) {
    EXPECT_EQ(f.next(std::string_view(kOptions).substr(0, n)).status, Status::NeedMore) << n;
  }
}

TEST(StreamFramer, CompactContentLengthAndOddSpacing) {
  StreamFramer f(65535);
  std::string msg = "MESSAGE sip:a@b SIP/2.0\r\nL  :  3\r\n\r\nabc";
  auto frame = f.next(msg);
  EXPECT_EQ(frame.status, Status::Message);
  EXPECT_EQ(frame.length, msg.size());
}

TEST(StreamFramer, KeepAlives) {
  StreamFramer f(65535);
  EXPECT_EQ(f.next("\r\n\r\n").status, Status::KeepAlivePing);
  EXPECT_EQ(f.next("\r\n\r\n").length, 4u);
  EXPECT_EQ(f.next("\r\n").status, Status::KeepAlivePong);
  EXPECT_EQ(f.next("\r\n").length, 2u);
  EXPECT_EQ(f.next("\r\nOPTIONS").status, Status::KeepAlivePong);
  EXPECT_EQ(f.next("\r\n\r").status, Status::NeedMore);
  EXPECT_EQ(f.next("\r\n\r\nOPTIONS").length, 4u);
  EXPECT_EQ(f.next("").status, Status::NeedMore);
}

TEST(StreamFramer, ContentLengthRequiredOnStreams) {
  StreamFramer f(65535);
  auto frame = f.next("OPTIONS sip:a@b SIP/2.0\r\nVia: x\r\n\r\n");
  EXPECT_EQ(frame.status, Status::Error);
  EXPECT_STREQ(frame.error, "Missing Content-Length");
}

TEST(StreamFramer, BadAndConflictingContentLength) {
  StreamFramer f(65535);
  EXPECT_EQ(f.next("A sip:a@b SIP/2.0\r\nContent-Length: -1\r\n\r\n").status, Status::Error);
  EXPECT_EQ(f.next("A sip:a@b SIP/2.0\r\nContent-Length: 99999999999999999999\r\n\r\n").status,
            Status::Error);
  auto frame = f.next("A sip:a@b SIP/2.0\r\nContent-Length: 1\r\nl: 2\r\n\r\nab");
  EXPECT_EQ(frame.status, Status::Error);
  EXPECT_STREQ(frame.error, "Conflicting Content-Length");
}

TEST(StreamFramer, EnforcesMaximumSize) {
  StreamFramer f(64);
  EXPECT_EQ(f.next(std::string(64, 'a')).status, Status::Error);
  EXPECT_EQ(StreamFramer(64).next(std::string(63, 'a')).status, Status::NeedMore);
  auto frame = f.next("A sip:a@b SIP/2.0\r\nContent-Length: 4000000000\r\n\r\n");
  EXPECT_EQ(frame.status, Status::Error);
  EXPECT_STREQ(frame.error, "Message too large");
}

TEST(StreamFramer, HeaderNamedLikeContentLengthPrefixIsIgnored) {
  StreamFramer f(65535);
  std::string msg = "A sip:a@b SIP/2.0\r\nContent-Length-X: 7\r\nContent-Length: 0\r\n\r\n";
  auto frame = f.next(msg);
  EXPECT_EQ(frame.status, Status::Message);
  EXPECT_EQ(frame.length, msg.size());
}

TEST(StreamFramer, ByteByByteFindsTheEndStraddlingSegments) {
  StreamFramer f(65535);
  const std::string next = "OPTIONS sip:b@c SIP/2.0\r\nContent-Length: 0\r\n\r\n";
  for (std::size_t n = 1; n < kOptions.size(); ++n) {
    ASSERT_EQ(f.next(std::string_view(kOptions).substr(0, n)).status, Status::NeedMore) << n;
  }
  const auto frame = f.next(kOptions + next);
  EXPECT_EQ(frame.status, Status::Message);
  EXPECT_EQ(frame.length, kOptions.size());
  // The next message starts afresh.
  for (std::size_t n = 1; n < next.size(); ++n) {
    ASSERT_EQ(f.next(std::string_view(next).substr(0, n)).status, Status::NeedMore) << n;
  }
  EXPECT_EQ(f.next(next).length, next.size());
}

TEST(StreamFramer, TrickledLargeHeaderIsScannedOnce) {
  // 60,000 bytes a byte at a time: linear, so this takes milliseconds (quadratic: seconds).
  StreamFramer f(65535);
  std::string message =
      "OPTIONS sip:b@c SIP/2.0\r\nX: " + std::string(60000, 'x') + "\r\nContent-Length: 0\r\n\r\n";
  const auto started = std::chrono::steady_clock::now();
  for (std::size_t n = 1; n < message.size(); ++n) {
    ASSERT_EQ(f.next(std::string_view(message).substr(0, n)).status, Status::NeedMore);
  }
  EXPECT_EQ(f.next(message).status, Status::Message);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(500));
}

}  // namespace
}  // namespace rtcgate::sip
