#include "web/IceServerUrl.hpp"

#include <gtest/gtest.h>

namespace rtcgate::web {
namespace {

TEST(IceServerUrlTest, ReadsStunAndTurnUrls) {
  std::string why;
  const auto turn = IceServerUrl::parse("turns:turn.example.com:443?transport=tcp", why);
  ASSERT_TRUE(turn) << why;
  EXPECT_EQ(turn->scheme, "turns");
  EXPECT_EQ(turn->host, "turn.example.com");
  EXPECT_EQ(turn->port, 443u);
  EXPECT_EQ(turn->transport, "tcp");
  EXPECT_TRUE(turn->isTurn());
  const auto stun = IceServerUrl::parse("stun:[2001:db8::1]", why);
  ASSERT_TRUE(stun) << why;
  EXPECT_EQ(stun->host, "2001:db8::1");
  EXPECT_EQ(stun->port, 0u);
  EXPECT_FALSE(stun->isTurn());
}

TEST(IceServerUrlTest, RefusesWhatBrowsersWouldIgnore) {
  for (const char* text :
       {"", "turn", "http://a", "turn://a:3478", "turn:", "turn:a:0", "turn:a:65536",
        "turn:a?transport=sctp", "turn:a?user=x", "stun:a?transport=udp", "turn:a b", "turn:a/b"}) {
    std::string why;
    EXPECT_FALSE(IceServerUrl::parse(text, why)) << text;
    EXPECT_FALSE(why.empty()) << text;
  }
}

}  // namespace
}  // namespace rtcgate::web
