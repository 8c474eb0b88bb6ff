#include "api/TurnApi.hpp"

#include <gtest/gtest.h>

#include "fakes/FakeTimers.hpp"

namespace rtcgate::api {
namespace {

class TurnApiTest : public ::testing::Test {
 protected:
  TurnApi::Settings settings() const {
    return {{"turn:127.0.0.1:3478?transport=tcp"}, "north-wind-secret", 86400};
  }
  rtcgate::testing::FakeTimers timers_;
};

// FakeTimers' wall clock starts at 1767225600 (2026-01-01). By hand:
//   printf '%s' '1767312000:rtcgate' | openssl dgst -sha1 -hmac north-wind-secret -binary | base64
TEST_F(TurnApiTest, CredentialsExpireTtlFromNow) {
  TurnApi api(settings(), timers_);
  const auto answer = api.credentialsFor(TurnApi::kDefaultUser);
  EXPECT_EQ(answer.status, 200u);
  EXPECT_EQ(answer.body,
            R"({"username":"1767312000:rtcgate","password":"IRk/xVIevlVr6vYcuhZY8qUVbnU=",)"
            R"("ttl":86400,"uris":["turn:127.0.0.1:3478?transport=tcp"]})");
}

TEST_F(TurnApiTest, BadUserIsRefused) {
  TurnApi api(settings(), timers_);
  EXPECT_EQ(api.credentialsFor("a:b").status, 400u);
  EXPECT_EQ(api.credentialsFor("").status, 400u);
}

TEST_F(TurnApiTest, NoSecretAnswers503) {
  auto unconfigured = settings();
  unconfigured.secret.clear();
  TurnApi api(unconfigured, timers_);
  const auto answer = api.credentialsFor("rtcgate");
  EXPECT_EQ(answer.status, 503u);
  EXPECT_NE(answer.body.find("webrtc.turn_secret_file"), std::string::npos);
  EXPECT_EQ(api.phoneCredentials().status, 503u);
}

// By hand: printf '%s' '1767225900:phone' | openssl dgst -sha1 -hmac north-wind-secret ...
TEST_F(TurnApiTest, PhoneGetsItsOwnUser) {
  auto shortTtl = settings();
  shortTtl.ttl = 300;
  TurnApi api(shortTtl, timers_);
  const auto answer = api.phoneCredentials();
  EXPECT_EQ(answer.status, 200u);
  EXPECT_NE(answer.body.find(
                R"("username":"1767225900:phone","password":"/dxT+EA8TlIaSJLwvXULYTP7nqE=")"),
            std::string::npos)
      << answer.body;
}

TEST_F(TurnApiTest, PhoneEndpointIsRateLimited) {
  TurnApi api(settings(), timers_);
  for (int i = 0; i < static_cast<int>(TurnApi::kPhoneBurst); ++i) {
    ASSERT_EQ(api.phoneCredentials().status, 200u) << i;
  }
  EXPECT_EQ(api.phoneCredentials().status, 429u);
  timers_.advance(Duration(1000));  // kPhonePerSecond more
  EXPECT_EQ(api.phoneCredentials().status, 200u);
  EXPECT_EQ(api.phoneCredentials().status, 200u);
  EXPECT_EQ(api.phoneCredentials().status, 429u);
  // The API route (behind the token) is not limited.
  EXPECT_EQ(api.credentialsFor("alice").status, 200u);
}

}  // namespace
}  // namespace rtcgate::api
