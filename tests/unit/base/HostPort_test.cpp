#include "base/HostPort.hpp"

#include <gtest/gtest.h>

namespace rtcgate {
namespace {

HostPort parsed(std::string_view text) {
  auto result = HostPort::parse(text);
  EXPECT_TRUE(result.ok()) << text << ": " << result.error();
  return result.ok() ? *result : HostPort{};
}

std::string errorOf(std::string_view text) {
  const auto result = HostPort::parse(text);
  return result.ok() ? "ok" : result.error();
}

TEST(HostPortTest, SplitsEveryWayOperatorsWriteAnAddress) {
  EXPECT_EQ(parsed("192.0.2.1:5060").host, "192.0.2.1");
  EXPECT_EQ(parsed("192.0.2.1:5060").port, 5060);
  EXPECT_EQ(parsed("[2001:db8::1]:5061").host, "2001:db8::1");
  EXPECT_EQ(parsed("[2001:db8::1]:5061").port, 5061);
  EXPECT_EQ(parsed("sip.example.com:0").host, "sip.example.com");
  EXPECT_EQ(parsed("sip.example.com:0").port, 0);
  EXPECT_EQ(parsed("sip.example.com").port, std::nullopt);
  EXPECT_EQ(parsed("[::1]").host, "::1");
  EXPECT_EQ(parsed("[::1]").port, std::nullopt);
  // A bare IPv6 address is a host: "::1:5060" could be either.
  EXPECT_EQ(parsed("2001:db8::1").host, "2001:db8::1");
  EXPECT_EQ(parsed("2001:db8::1").port, std::nullopt);
}

TEST(HostPortTest, RefusesWhatIsNotAnAddress) {
  EXPECT_EQ(errorOf(""), "missing host");
  EXPECT_EQ(errorOf(":5060"), "missing host");
  EXPECT_EQ(errorOf("[]:5060"), "missing host");
  EXPECT_EQ(errorOf("[::1"), "unterminated IPv6 address");
  EXPECT_EQ(errorOf("[::1]5060"), "junk after the IPv6 address");
  EXPECT_EQ(errorOf("host:"), "bad port");
  EXPECT_EQ(errorOf("host:65536"), "bad port");
  EXPECT_EQ(errorOf("host:50x"), "bad port");
  EXPECT_EQ(errorOf("host:-1"), "bad port");
  EXPECT_EQ(errorOf("[::1]:"), "bad port");
}

TEST(UrlSchemeTest, SplitsAtTheFirstSchemeSeparator) {
  const auto url = UrlScheme::split("udp://127.0.0.1:22222");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->scheme, "udp");
  EXPECT_EQ(url->rest, "127.0.0.1:22222");
  EXPECT_FALSE(UrlScheme::split("127.0.0.1:22222"));
  EXPECT_EQ(UrlScheme::split("://x")->scheme, "");
}

}  // namespace
}  // namespace rtcgate
