#include "sip/HeaderId.hpp"

#include <gtest/gtest.h>

#include "sip/Method.hpp"
#include "sip/Parameters.hpp"

namespace rtcgate::sip {
namespace {

TEST(HeaderId, CanonicalNamesRoundTripCaseInsensitively) {
  for (int i = 1; i < static_cast<int>(HeaderId::Count); ++i) {
    const auto id = static_cast<HeaderId>(i);
    std::string name(canonicalHeaderName(id));
    ASSERT_FALSE(name.empty()) << i;
    EXPECT_EQ(headerIdFromName(name), id) << name;
    for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_EQ(headerIdFromName(name), id) << name;
  }
}

TEST(HeaderId, CompactForms) {
  EXPECT_EQ(headerIdFromName("v"), HeaderId::Via);
  EXPECT_EQ(headerIdFromName("F"), HeaderId::From);
  EXPECT_EQ(headerIdFromName("t"), HeaderId::To);
  EXPECT_EQ(headerIdFromName("i"), HeaderId::CallId);
  EXPECT_EQ(headerIdFromName("m"), HeaderId::Contact);
  EXPECT_EQ(headerIdFromName("l"), HeaderId::ContentLength);
  EXPECT_EQ(headerIdFromName("c"), HeaderId::ContentType);
  EXPECT_EQ(headerIdFromName("k"), HeaderId::Supported);
  EXPECT_EQ(headerIdFromName("o"), HeaderId::Event);
  EXPECT_EQ(headerIdFromName("s"), HeaderId::Other);  // Subject: not one we look at
  EXPECT_EQ(headerIdFromName("e"), HeaderId::Other);  // Content-Encoding
}

TEST(HeaderId, UnknownAndNearMisses) {
  EXPECT_EQ(headerIdFromName(""), HeaderId::Other);
  EXPECT_EQ(headerIdFromName("X-Foo"), HeaderId::Other);
  EXPECT_EQ(headerIdFromName("Vias"), HeaderId::Other);
  EXPECT_EQ(headerIdFromName("C%6Fntact"), HeaderId::Other);  // RFC 4475 esc02
  EXPECT_EQ(headerIdFromName("Call-IDs"), HeaderId::Other);
  EXPECT_EQ(canonicalHeaderName(HeaderId::Other), "");
  EXPECT_EQ(canonicalHeaderName(HeaderId::Count), "");
}

TEST(HeaderId, ListHeaders) {
  EXPECT_TRUE(isListHeader(HeaderId::Via));
  EXPECT_TRUE(isListHeader(HeaderId::Route));
  EXPECT_TRUE(isListHeader(HeaderId::RecordRoute));
  EXPECT_TRUE(isListHeader(HeaderId::Contact));
  EXPECT_TRUE(isListHeader(HeaderId::Path));
  EXPECT_FALSE(isListHeader(HeaderId::From));
  EXPECT_FALSE(isListHeader(HeaderId::Other));
}

TEST(Method, CaseSensitiveNames) {
  for (int i = 1; i <= static_cast<int>(Method::Publish); ++i) {
    const auto m = static_cast<Method>(i);
    EXPECT_EQ(methodFromName(methodName(m)), m) << methodName(m);
  }
  EXPECT_EQ(methodFromName("invite"), Method::Other);
  EXPECT_EQ(methodFromName("INVITEX"), Method::Other);
  EXPECT_EQ(methodFromName("NEWMETHOD"), Method::Other);
  EXPECT_EQ(methodFromName(""), Method::Other);
  EXPECT_EQ(methodName(Method::Other), "");
}

TEST(Parameters, LookupIsCaseInsensitiveAndToleratesLws) {
  Parameters p(";Tag = abc ;lr; q=0.5;x=\"a;b\" ;\r\n  last");
  EXPECT_EQ(p.get("tag"), "abc");
  EXPECT_EQ(p.get("LR"), "");
  EXPECT_EQ(p.get("q"), "0.5");
  EXPECT_EQ(p.get("x"), "\"a;b\"");
  EXPECT_TRUE(p.has("last"));
  EXPECT_FALSE(p.get("missing").has_value());
  int count = 0;
  p.forEach([&](std::string_view, std::string_view) { ++count; });
  EXPECT_EQ(count, 5);
}

TEST(Parameters, Validation) {
  EXPECT_TRUE(validHeaderParameters(""));
  EXPECT_TRUE(validHeaderParameters(" ; tag = 1 ; lr ; received=[::1]; x=\"q;uoted\""));
  EXPECT_FALSE(validHeaderParameters(";"));
  EXPECT_FALSE(validHeaderParameters(";;a"));
  EXPECT_FALSE(validHeaderParameters("a=b"));
  EXPECT_FALSE(validHeaderParameters(";a="));
  EXPECT_FALSE(validHeaderParameters(";a=\"open"));
  EXPECT_FALSE(validHeaderParameters(";a=b c"));
}

}  // namespace
}  // namespace rtcgate::sip
