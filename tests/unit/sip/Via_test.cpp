#include "sip/Via.hpp"

#include <gtest/gtest.h>

namespace rtcgate::sip {
namespace {

TEST(Via, Basic) {
  auto v = parseVia("SIP/2.0/UDP pc33.atlanta.com:5066;branch=z9hG4bK776asdhds;rport");
  ASSERT_TRUE(v.ok()) << v.error();
  EXPECT_EQ(v->protocol, "SIP/2.0/UDP");
  EXPECT_EQ(v->transport, "UDP");
  EXPECT_EQ(v->host, "pc33.atlanta.com");
  EXPECT_EQ(v->port, 5066);
  EXPECT_EQ(v->branch(), "z9hG4bK776asdhds");
  EXPECT_TRUE(v->rfc3261Branch());
  EXPECT_TRUE(v->hasRport());
  EXPECT_EQ(v->params.get("rport"), std::string_view());
}

TEST(Via, ReceivedAndRportValues) {
  auto v = parseVia("SIP/2.0/TCP 10.0.0.1;received=192.0.2.4;rport=5062;branch=z9hG4bKx");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->received(), "192.0.2.4");
  EXPECT_EQ(v->params.get("rport"), "5062");
  EXPECT_EQ(v->port, 0);
}

TEST(Via, Ipv6SentByAndReceived) {
  auto v =
      parseVia("SIP/2.0/UDP [2001:db8::9:1]:5070;received=[2001:db8::9:255];branch=z9hG4bKas3");
  ASSERT_TRUE(v.ok()) << v.error();
  EXPECT_EQ(v->host, "[2001:db8::9:1]");
  EXPECT_EQ(v->port, 5070);
  EXPECT_EQ(v->received(), "[2001:db8::9:255]");
  auto noDelim = parseVia("SIP/2.0/UDP [2001:db8::9:1];received=2001:db8::9:255;branch=z9hG4bKas");
  ASSERT_TRUE(noDelim.ok());
  EXPECT_EQ(noDelim->received(), "2001:db8::9:255");
}

TEST(Via, LwsEverywhere) {
  auto v = parseVia("SIP  /    2.0   / UDP  192.168.255.111   ; branch=\r\n z9hG4bK30239");
  ASSERT_TRUE(v.ok()) << v.error();
  EXPECT_EQ(v->transport, "UDP");
  EXPECT_EQ(v->host, "192.168.255.111");
  EXPECT_EQ(v->branch(), "z9hG4bK30239");
  auto w = parseVia("SIP/2.0/WSS df7jal23ls0d.invalid : 5061 ;branch=z9hG4bK");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->transport, "WSS");
  EXPECT_EQ(w->port, 5061);
  EXPECT_EQ(w->branch(), "z9hG4bK");  // RFC 4475 badbranch: only the cookie
}

TEST(Via, OldBranch) {
  auto v = parseVia("SIP/2.0/UDP 192.0.2.2;branch=390skdjuw");
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->rfc3261Branch());
}

TEST(Via, RejectsMalformed) {
  for (std::string_view bad :
       {"", "SIP/2.0/UDP", "SIP/2.0 host", "SIP/2.0/UDP host;;", "SIP/2.0/UDP host;",
        "SIP/2.0/UDP host:99999", "SIP/2.0/UDP host:", "SIP/2.0/UDPhost", "SIP/2.0/UDP [::1",
        "SIP/2.0/UDP host;branch=\"open", "SIP/2.0/UDP 192.0.2.15;;,;,,", "SIP/2.0/UDP host x"}) {
    EXPECT_FALSE(parseVia(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace rtcgate::sip
