#include "proxy/StaticRoutes.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace rtcgate::proxy {
namespace {

TEST(StaticRoutesPatterns, DocumentedPatternsKeepTheirMeaning) {
  StaticRoutes routes;
  routes.add("^1[0-9]{3}$", {"sip:10.0.0.7"});
  routes.add(R"(^\+?[0-9]{3,15}$)", {"sip:10.0.0.5"});
  routes.add("ext", {"sip:10.0.0.8"});  // unanchored: matches anywhere, as regex_search did
  auto target = [&routes](std::string_view user) -> std::string {
    const auto* route = routes.find(user);
    return route ? route->targets.front() : "";
  };
  EXPECT_EQ(target("1234"), "sip:10.0.0.7");  // the first matching route wins
  EXPECT_EQ(target("12345"), "sip:10.0.0.5");
  EXPECT_EQ(target("+4930123456"), "sip:10.0.0.5");
  EXPECT_EQ(target("my-ext-9"), "sip:10.0.0.8");
  EXPECT_EQ(target("12"), "");
}

TEST(StaticRoutesPatterns, NoMatchIsNull) {
  StaticRoutes routes;
  routes.add("^1[0-9]{3}$", {"sip:10.0.0.7"});
  EXPECT_EQ(routes.find("12345"), nullptr);
  EXPECT_EQ(routes.find(""), nullptr);
}

TEST(StaticRoutesPatterns, ThirtyThousandDigitsNeitherCrashNorStall) {
  StaticRoutes routes;
  routes.add("^[0-9]+$", {"sip:10.0.0.5"});
  routes.add("^(a|aa)+$", {"sip:10.0.0.6"});
  const auto started = std::chrono::steady_clock::now();
  EXPECT_NE(routes.find(std::string(30000, '9')), nullptr);
  EXPECT_EQ(routes.find(std::string(30000, 'a') + "b"), nullptr);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(1));
}

TEST(StaticRoutesPatterns, UserPartsAreBytes) {
  StaticRoutes routes;
  routes.add("^caf.$", {"sip:10.0.0.5"});
  // An escaped user part decodes to arbitrary bytes, here one Latin-1 byte (invalid UTF-8).
  EXPECT_NE(routes.find(std::string("caf\xe9")), nullptr);
}

TEST(StaticRoutesPatterns, PatternErrors) {
  EXPECT_FALSE(StaticRoutes::patternError(R"(^\+?[0-9]{3,15}$)").has_value());
  EXPECT_TRUE(StaticRoutes::patternError("([0-9]").has_value());
  // RE2 has no backreferences or lookaround: refused at load time, not silently different.
  EXPECT_TRUE(StaticRoutes::patternError(R"(^(\d)\1$)").has_value());
  EXPECT_TRUE(StaticRoutes::patternError("^(?=1)").has_value());
}

TEST(StaticRoutesPatterns, CopiesShareTheCompiledPattern) {
  StaticRoutes routes;
  routes.add("^9", {"sip:10.0.0.5"});
  const StaticRoutes copy = routes;
  EXPECT_NE(copy.find("900"), nullptr);
}

// routes[].media.interface: the interface of the route whose target the Request-URI points at.
TEST(StaticRoutesMedia, TargetInterfaceIsTheRoutesOwn) {
  StaticRoutes routes;
  routes.add("^9", {"sip:10.0.0.5:5060"}, std::nullopt, "carrier");
  routes.add("^8", {"sip:10.0.0.6"}, MediaLeg::SipSdes);
  EXPECT_EQ(routes.targetInterface("sip:9001@10.0.0.5:5060"), "carrier");
  EXPECT_EQ(routes.targetInterface("sip:9001@10.0.0.5"), "carrier");  // 5060 is the default
  EXPECT_EQ(routes.targetInterface("sip:8001@10.0.0.6"), "");
  EXPECT_EQ(routes.targetInterface("sip:7001@10.0.0.7"), "");
  EXPECT_EQ(routes.targetMedia("sip:8001@10.0.0.6"), MediaLeg::SipSdes);
  EXPECT_EQ(routes.targetMedia("sip:9001@10.0.0.5"), std::nullopt);
}

// routes[].dtmf: how digits reach the route's targets; none where no route says.
TEST(StaticRoutesMedia, TargetDtmfIsTheRoutesOwn) {
  StaticRoutes routes;
  StaticRoutes::Route pbx;
  pbx.pattern = "^9";
  pbx.targets = {"sip:10.0.0.5"};
  pbx.dtmf = DtmfMode::Info;
  routes.add(std::move(pbx));
  routes.add("^8", {"sip:10.0.0.6"});
  EXPECT_EQ(routes.targetDtmf("sip:9001@10.0.0.5"), DtmfMode::Info);
  EXPECT_EQ(routes.targetDtmf("sip:8001@10.0.0.6"), std::nullopt);
}

}  // namespace
TEST(StaticRoutes, StripAndPrefixRewriteTheNumber) {
  StaticRoutes::Route route;
  route.strip = 1;
  route.prefix = "+44";
  EXPECT_EQ(route.dialled("02079460000"), "+442079460000");
  route.strip = 20;
  EXPECT_EQ(route.dialled("0207"), "+44");
  route.strip = 0;
  route.prefix = "";
  EXPECT_EQ(route.dialled("+15551234"), "+15551234");
}

}  // namespace rtcgate::proxy
