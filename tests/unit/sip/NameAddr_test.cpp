#include "sip/NameAddr.hpp"

#include <gtest/gtest.h>

namespace rtcgate::sip {
namespace {

TEST(NameAddr, QuotedDisplayNameWithEscapes) {
  auto a = parseNameAddr(R"("J Rosenberg \\\""       <sip:jdrosen@example.com>;tag = 98asjd8)");
  ASSERT_TRUE(a.ok()) << a.error();
  EXPECT_EQ(a->displayName, R"("J Rosenberg \\\"")");
  EXPECT_EQ(a->uriText, "sip:jdrosen@example.com");
  EXPECT_EQ(a->uri.user, "jdrosen");
  EXPECT_EQ(a->tag(), "98asjd8");
}

TEST(NameAddr, CommaInsideQuotes) {
  auto a = parseNameAddr(R"("Bell, Alexander" <sip:a.g.bell@example.com>;tag=433423)");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->displayName, R"("Bell, Alexander")");
  EXPECT_EQ(a->tag(), "433423");
}

TEST(NameAddr, TokenDisplayNameWithoutSpace) {
  auto a = parseNameAddr("caller<sip:caller@example.com>;tag=323");  // RFC 4475 lwsdisp
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->displayName, "caller");
  auto b = parseNameAddr("Alice Smith <sip:alice@a.com>");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->displayName, "Alice Smith");
}

TEST(NameAddr, AddrSpecParamsAreHeaderParams) {
  auto a = parseNameAddr("sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n");
  ASSERT_TRUE(a.ok()) << a.error();
  EXPECT_EQ(a->uriText, "sip:vivekg@chair-dnrc.example.com");
  EXPECT_EQ(a->tag(), "1918181833n");
  auto b = parseNameAddr("sip:user@example.com;unknownparam");  // RFC 4475 cparam01
  ASSERT_TRUE(b.ok());
  EXPECT_FALSE(b->uri.hasParam("unknownparam"));
  EXPECT_TRUE(b->params.has("unknownparam"));
  auto c = parseNameAddr("<sip:user@example.com;unknownparam>");  // cparam02
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->uri.hasParam("unknownparam"));
  EXPECT_FALSE(c->params.has("unknownparam"));
}

TEST(NameAddr, ContactParams) {
  auto a = parseNameAddr(
      "<sip:alice@192.0.2.1:5060;transport=ws;ob>;expires=600;q=0.5;"
      "+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>\";reg-id=1");
  ASSERT_TRUE(a.ok()) << a.error();
  EXPECT_EQ(a->params.get("expires"), "600");
  EXPECT_EQ(a->params.get("q"), "0.5");
  EXPECT_EQ(a->params.get("+sip.instance"), "\"<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>\"");
  EXPECT_EQ(a->uri.transport(), "ws");
  EXPECT_TRUE(a->uri.hasParam("ob"));
}

TEST(NameAddr, StarAndOtherSchemes) {
  auto star = parseNameAddr("  *  ");
  ASSERT_TRUE(star.ok());
  EXPECT_TRUE(star->star);
  auto isbn = parseNameAddr("isbn:2983792873");
  ASSERT_TRUE(isbn.ok());
  EXPECT_EQ(isbn->uri.scheme, UriScheme::Other);
  auto esc = parseNameAddr("<sip:user@example.com?Route=%3Csip:sip.example.com%3E>");
  ASSERT_TRUE(esc.ok());  // RFC 4475 regescrt
  EXPECT_EQ(esc->uri.headers, "Route=%3Csip:sip.example.com%3E");
}

TEST(NameAddr, RejectsMalformed) {
  for (std::string_view bad : {
           "",
           "\"Mr. J. User <sip:j.user@example.com>",                // quotbal
           "\"Watson, Thomas\" < sip:t.watson@example.org >",       // badaspec
           "Watson, Thomas <sip:t.watson@example.org>",             // baddn
           "sip:user@example.com?Route=%3Csip:sip.example.com%3E",  // regbadct
           "<sip:joe@example.org>;;;;",                             // badinv01
           "<sip:a@b",
           "\"x\" sip:a@b",
           "<sip:a@b> junk",
           "<sip:a@b>;tag=\"open",
       }) {
    EXPECT_FALSE(parseNameAddr(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace rtcgate::sip
