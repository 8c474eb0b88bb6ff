#include <gtest/gtest.h>

#include "proxy/FlowToken.hpp"
#include "proxy/ResponseSelector.hpp"
#include "proxy/StaticRoutes.hpp"

namespace rtcgate::proxy {
namespace {

TEST(FlowToken, RoundTripsAndRejectsForgeries) {
  FlowToken tokens;
  const auto token = tokens.encode(0x1234, "call-1");
  EXPECT_EQ(tokens.decode(token, "call-1"), 0x1234u);
  const auto mac = token.substr(token.find('.') + 1);
  EXPECT_EQ(mac.size(), 32u);  // 128 bits, hex
  EXPECT_FALSE(tokens.decode("1234.00000000000000000000000000000000", "call-1"));
  EXPECT_FALSE(tokens.decode("1234.AAAAAAAAAAAAAAAAAAAAAA", "call-1"));
  EXPECT_FALSE(tokens.decode(token.substr(0, token.size() - 1), "call-1"));
  EXPECT_FALSE(tokens.decode("1235." + mac, "call-1"));
  EXPECT_FALSE(tokens.decode("zz." + mac, "call-1"));
  EXPECT_FALSE(tokens.decode("", "call-1"));
  FlowToken other;
  EXPECT_FALSE(other.decode(token, "call-1"));
}

TEST(FlowToken, IsBoundToItsCallId) {
  FlowToken tokens;
  const auto token = tokens.encode(7, "call-1");
  EXPECT_FALSE(tokens.decode(token, "call-2"));
  EXPECT_FALSE(tokens.decode(token, ""));
}

// Tokens outlive the process and its version: the MAC is HMAC-SHA256 over the connection id
// (8 bytes, little-endian) and the Call-ID, truncated to 128 bits (computed with Python's hmac).
TEST(FlowToken, KnownAnswer) {
  const FlowToken::Key key{42, 7, 1};
  EXPECT_EQ(FlowToken(key).encode(0x1f, "call-1"), "1f.f1d75b6a84618a77124c5fa699227546");
}

// Before 2026-12 the MAC was written in base64url; dialogs record-routed then still route.
TEST(FlowToken, TokensOfTheEarlierBase64FormStillDecode) {
  const FlowToken::Key key{42, 7, 1};
  EXPECT_EQ(FlowToken(key).decode("1f.8ddbaoRhincSTF-mmSJ1Rg", "call-1"), 0x1fu);
  EXPECT_FALSE(FlowToken(key).decode("1f.8ddbaoRhincSTF-mmSJ1Rh", "call-1"));
}

// A token is lowercase hex, so it can never hold a header name: sipp looks for a response's CSeq
// with strstr over the whole message, and a base64 token holding "CSeq" (one in about a million)
// made it drop the call.
TEST(FlowToken, NeverSpellsAHeaderName) {
  FlowToken tokens;
  for (std::uint64_t id = 0; id < 2000; ++id) {
    const auto token = tokens.encode(id, "call-" + std::to_string(id));
    EXPECT_EQ(token.find_first_not_of("0123456789abcdef."), std::string::npos) << token;
  }
}

TEST(FlowToken, ANewKeyReplacesTheOld) {
  const FlowToken::Key first{1};
  const FlowToken::Key second{2};
  FlowToken tokens(first);
  const auto old = tokens.encode(5, "call-1");
  tokens.setKey(second);
  EXPECT_FALSE(tokens.decode(old, "call-1"));
  EXPECT_EQ(tokens.decode(FlowToken(second).encode(5, "call-1"), "call-1"), 5u);
}

TEST(FlowToken, TheSameKeyHonoursTokensAcrossInstances) {
  FlowToken::Key key{};
  key[0] = 42;
  const auto token = FlowToken(key).encode(0, "call-1");
  EXPECT_EQ(FlowToken(key).decode(token, "call-1"), 0u);
  key[1] = 1;
  EXPECT_FALSE(FlowToken(key).decode(token, "call-1"));
}

TEST(ResponseSelector, SixHundredsWinThenLowestClass) {
  ResponseSelector s;
  EXPECT_TRUE(s.empty());
  s.offer(503);
  s.offer(486);
  EXPECT_EQ(s.best(), 486);
  s.offer(408);
  EXPECT_EQ(s.best(), 486);
  s.offer(302);
  EXPECT_EQ(s.best(), 302);
  s.offer(603);
  EXPECT_EQ(s.best(), 603);
  s.offer(200);
  EXPECT_EQ(s.best(), 603);
}

TEST(ResponseSelector, ChallengesBeatGenericClientErrors) {
  ResponseSelector s;
  s.offer(404);
  s.offer(407);
  EXPECT_EQ(s.best(), 407);
  ResponseSelector t;
  t.offer(503);
  t.offer(500);
  EXPECT_EQ(t.best(), 500);
}

TEST(StaticRoutes, FirstMatchingPatternWins) {
  StaticRoutes routes;
  routes.add("^\\+?[0-9]{3,15}$", {"sip:10.0.0.5:5060", "sip:10.0.0.6:5060"});
  routes.add("^9", {"sip:10.0.0.9"});
  ASSERT_NE(routes.find("+4930123"), nullptr);
  EXPECT_EQ(routes.find("+4930123")->targets.size(), 2u);
  EXPECT_EQ(routes.find("9abc")->targets.front(), "sip:10.0.0.9");
  EXPECT_EQ(routes.find("alice"), nullptr);
}

}  // namespace
}  // namespace rtcgate::proxy
