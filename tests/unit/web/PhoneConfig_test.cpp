#include "web/PhoneConfig.hpp"

#include <gtest/gtest.h>

namespace rtcgate::web {
namespace {

TEST(PhoneConfigTest, JsonListsDomainsAndWssUrl) {
  const PhoneConfig config{{"localhost", "example.com"}, "wss://127.0.0.1:8443"};
  EXPECT_EQ(config.toJson(),
            R"({"domains":["localhost","example.com"],"wss":"wss://127.0.0.1:8443",)"
            R"("ice_servers":[],"turn":false})");
  EXPECT_EQ(PhoneConfig{}.toJson(), R"({"domains":[],"wss":"","ice_servers":[],"turn":false})");
}

TEST(PhoneConfigTest, JsonListsIceServersAndWhetherTurnCredentialsAreServed) {
  const PhoneConfig config{{"localhost"}, "", {"stun:a:3478", "turn:a?transport=tcp"}, true};
  EXPECT_EQ(config.toJson(),
            R"({"domains":["localhost"],"wss":"",)"
            R"("ice_servers":["stun:a:3478","turn:a?transport=tcp"],"turn":true})");
}

TEST(PhoneConfigTest, HostileValuesStayInsideTheirStrings) {
  const PhoneConfig config{{"a\"b\\c</script>\n"}, ""};
  EXPECT_EQ(config.toJson(), R"({"domains":["a\"b\\c\u003c/script\u003e\u000a"],"wss":"",)"
                             R"("ice_servers":[],"turn":false})");
}

TEST(PhoneConfigTest, WssUrlBracketsIpv6) {
  EXPECT_EQ(PhoneConfig::wssUrlFor("127.0.0.1", 8443), "wss://127.0.0.1:8443");
  EXPECT_EQ(PhoneConfig::wssUrlFor("::1", 443), "wss://[::1]:443");
}

}  // namespace
}  // namespace rtcgate::web
