#include "sip/SipUri.hpp"

#include <gtest/gtest.h>

namespace rtcgate::sip {
namespace {

SipUri mustParse(std::string_view text) {
  auto uri = parseUri(text);
  EXPECT_TRUE(uri.ok()) << text << ": " << (uri ? "" : uri.error());
  return uri ? *uri : SipUri{};
}

TEST(SipUri, FullSipUri) {
  auto u = mustParse(
      "sip:alice:secret@atlanta.com:5070;transport=TCP;lr;maddr=239.255.255.1?subject=x&p=1");
  EXPECT_EQ(u.scheme, UriScheme::Sip);
  EXPECT_EQ(u.schemeName, "sip");
  EXPECT_EQ(u.user, "alice");
  EXPECT_EQ(u.password, "secret");
  EXPECT_EQ(u.host, "atlanta.com");
  EXPECT_EQ(u.port, 5070);
  EXPECT_EQ(u.transport(), "tcp");
  EXPECT_TRUE(u.hasParam("lr"));
  EXPECT_EQ(u.param("lr"), "");
  EXPECT_EQ(u.param("MADDR"), "239.255.255.1");
  EXPECT_EQ(u.params.text(), ";transport=TCP;lr;maddr=239.255.255.1");
  EXPECT_EQ(u.headers, "subject=x&p=1");
}

TEST(SipUri, SipsAndHostOnly) {
  auto u = mustParse("SIPS:example.com");
  EXPECT_EQ(u.scheme, UriScheme::Sips);
  EXPECT_EQ(u.user, "");
  EXPECT_EQ(u.host, "example.com");
  EXPECT_EQ(u.port, 0);
  EXPECT_EQ(u.transport(), "");
}

TEST(SipUri, Ipv6References) {
  auto u = mustParse("sip:[2001:db8::10]:5070;transport=ws");
  EXPECT_EQ(u.host, "[2001:db8::10]");
  EXPECT_EQ(u.hostNoBrackets(), "2001:db8::10");
  EXPECT_EQ(u.port, 5070);
  EXPECT_EQ(u.transport(), "ws");
  auto ambiguous = mustParse("sip:user@[2001:db8::10:5070]");  // RFC 5118 4.3: no port
  EXPECT_EQ(ambiguous.port, 0);
  auto mapped = mustParse("sip:user@[::ffff:192.0.2.10]");
  EXPECT_EQ(mapped.hostNoBrackets(), "::ffff:192.0.2.10");
  EXPECT_FALSE(parseUri("sip:user@2001:db8::10").ok());  // RFC 5118 4.2
  EXPECT_FALSE(parseUri("sip:user@[2001:db8::10").ok());
  EXPECT_FALSE(parseUri("sip:user@[xyz]").ok());
}

TEST(SipUri, EscapedAndSemicolonUser) {
  auto u = mustParse("sip:sip%3Auser%40example.com@example.com;other-param=summit");
  EXPECT_EQ(u.user, "sip%3Auser%40example.com");
  EXPECT_EQ(unescapeUriComponent(u.user), "sip:user@example.com");
  auto semi = mustParse("sip:user;par=u%40example.net@example.com");  // RFC 4475 semiuri
  EXPECT_EQ(semi.user, "user;par=u%40example.net");
  EXPECT_EQ(semi.host, "example.com");
  EXPECT_FALSE(semi.hasParam("par"));
  auto nul = mustParse("sip:null-%00-null@example.com");
  EXPECT_EQ(unescapeUriComponent(nul.user), std::string("null-\0-null", 11));
  EXPECT_EQ(unescapeUriComponent("bad%4"), "");
  EXPECT_FALSE(parseUri("sip:us%zzer@example.com").ok());
}

TEST(SipUri, TelUri) {
  auto u = mustParse("tel:+1-201-555-0123;phone-context=example.com");
  EXPECT_EQ(u.scheme, UriScheme::Tel);
  EXPECT_EQ(u.user, "+1-201-555-0123");
  EXPECT_EQ(u.param("phone-context"), "example.com");
  EXPECT_FALSE(parseUri("tel:").ok());
}

TEST(SipUri, OtherSchemes) {
  auto u = mustParse("soap.beep://192.0.2.103:3002");
  EXPECT_EQ(u.scheme, UriScheme::Other);
  EXPECT_EQ(u.schemeName, "soap.beep");
  EXPECT_EQ(mustParse("isbn:2983792873").scheme, UriScheme::Other);
}

TEST(SipUri, RejectsMalformed) {
  for (std::string_view bad :
       {"", "sip:", "sip:user@", "sip:example.com:", "sip:example.com:99999", "sip:a b@c",
        "<sip:a@b>", "sip:a@b;", "sip:a@b;;lr", "sip:a@b?", "sip:a@b?x", "1sip:a@b", "nocolon",
        "sip:a@ex ample.com", "sip:a@b;p=", "sip:a@b:5060x", "sip:a@b\r\n"}) {
    EXPECT_FALSE(parseUri(bad).ok()) << bad;
  }
}

bool equiv(std::string_view a, std::string_view b) {
  return uriEquivalent(mustParse(a), mustParse(b));
}

// RFC 3261 19.1.4: equivalent pairs.
TEST(SipUri, EquivalentPerRfc3261) {
  EXPECT_TRUE(
      equiv("sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp"));
  EXPECT_TRUE(equiv("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5"));
  EXPECT_TRUE(equiv("sip:carol@chicago.com", "sip:carol@chicago.com;security=on"));
  EXPECT_TRUE(equiv("sip:carol@chicago.com;newparam=5", "sip:carol@chicago.com;security=on"));
  EXPECT_TRUE(equiv("sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
                    "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com"));
  EXPECT_TRUE(equiv("sip:alice@atlanta.com?subject=project%20x&priority=urgent",
                    "sip:alice@atlanta.com?priority=urgent&subject=project%20x"));
}

// RFC 3261 19.1.4: non-equivalent pairs.
TEST(SipUri, NotEquivalentPerRfc3261) {
  EXPECT_FALSE(equiv("SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP"));
  EXPECT_FALSE(equiv("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"));
  EXPECT_FALSE(equiv("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp"));
  EXPECT_FALSE(equiv("sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp"));
  EXPECT_FALSE(equiv("sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting"));
  EXPECT_FALSE(equiv("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4"));
  EXPECT_FALSE(equiv("sip:carol@chicago.com;security=on", "sip:carol@chicago.com;security=off"));
  EXPECT_FALSE(equiv("sip:carol@chicago.com", "sips:carol@chicago.com"));
  EXPECT_FALSE(equiv("sip:alice:pw@a.com", "sip:alice@a.com"));
}

TEST(SipUri, TelEquivalenceIgnoresVisualSeparators) {
  EXPECT_TRUE(equiv("tel:+1-201-555-0123", "tel:+1.201.555.0123"));
  EXPECT_FALSE(equiv("tel:+1-201-555-0123", "tel:+1-201-555-0124"));
}

}  // namespace
}  // namespace rtcgate::sip
