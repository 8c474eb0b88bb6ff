#include "api/TurnCredentials.hpp"

#include <gtest/gtest.h>

namespace rtcgate::api {
namespace {

// Vectors computed by hand, independently of this code:
//   printf '%s' '1700086400:rtcgate' | openssl dgst -sha1 -hmac 'north-wind-secret' -binary |
//   base64
TEST(TurnCredentialsTest, PasswordIsBase64OfHmacSha1OfTheUsername) {
  EXPECT_EQ(turnPassword("north-wind-secret", "1700086400:rtcgate"),
            "uGAU4BxIr8WPLjREQ85ylT2LsYA=");
  EXPECT_EQ(turnPassword("north-wind-secret", "1700000100:phone"), "iCgKiwZI5Jb0OF5MA9X7orDdZS8=");
}

TEST(TurnCredentialsTest, UsernameIsTheExpiryThenTheUser) {
  const auto credentials = TurnCredentials::make("north-wind-secret", "rtcgate", 1700000000, 86400);
  EXPECT_EQ(credentials.username, "1700086400:rtcgate");
  EXPECT_EQ(credentials.password, "uGAU4BxIr8WPLjREQ85ylT2LsYA=");
  EXPECT_EQ(credentials.ttl, 86400u);
}

TEST(TurnCredentialsTest, JsonHasTheRestApiFields) {
  const auto credentials = TurnCredentials::make("north-wind-secret", "rtcgate", 1700000000, 86400);
  EXPECT_EQ(
      credentials.toJson({"stun:turn.example.com", "turns:turn.example.com?transport=tcp"}),
      R"({"username":"1700086400:rtcgate","password":"uGAU4BxIr8WPLjREQ85ylT2LsYA=",)"
      R"("ttl":86400,"uris":["stun:turn.example.com","turns:turn.example.com?transport=tcp"]})");
}

TEST(TurnCredentialsTest, UsersAreShortAndPlain) {
  EXPECT_TRUE(isValidTurnUser("rtcgate"));
  EXPECT_TRUE(isValidTurnUser("alice@example.com"));
  EXPECT_TRUE(isValidTurnUser("+15551230000"));
  EXPECT_TRUE(isValidTurnUser(std::string(64, 'a')));
  EXPECT_FALSE(isValidTurnUser(""));
  EXPECT_FALSE(isValidTurnUser(std::string(65, 'a')));
  EXPECT_FALSE(isValidTurnUser("a:b"));  // ':' separates the expiry
  EXPECT_FALSE(isValidTurnUser("a b"));
  EXPECT_FALSE(isValidTurnUser("a\"b"));
}

}  // namespace
}  // namespace rtcgate::api
