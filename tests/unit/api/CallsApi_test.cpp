#include "api/CallsApi.hpp"

#include <gtest/gtest.h>

namespace rtcgate::api {
namespace {

// The proxy's kind of refusal chooses the status; its text (shown to the caller) does not.
TEST(CallsApiTest, EachOriginateRefusalKindHasItsStatus) {
  using Kind = proxy::OriginateError::Kind;
  EXPECT_EQ(CallsApi::originateStatus(Kind::BadParty), 400u);
  EXPECT_EQ(CallsApi::originateStatus(Kind::UnknownParty), 404u);
  EXPECT_EQ(CallsApi::originateStatus(Kind::NotSent), 503u);
}

TEST(CallsApiTest, DtmfBodiesAreCheckedBeforeAnythingIsSent) {
  const auto plain = CallsApi::parseDtmfBody(R"({"digits":"123#"})");
  ASSERT_TRUE(plain) << plain.error();
  EXPECT_EQ(plain->digits, "123#");
  EXPECT_EQ(plain->durationMs, 100u);
  EXPECT_FALSE(plain->toCaller);
  const auto full = CallsApi::parseDtmfBody(R"({"digits":"*9A","duration_ms":250,"to":"caller"})");
  ASSERT_TRUE(full) << full.error();
  EXPECT_EQ(full->durationMs, 250u);
  EXPECT_TRUE(full->toCaller);
  for (const char* bad :
       {R"({"digits":""})", R"({"digits":"12x"})", R"({"digits":5})", R"([])", "not json",
        R"({"digits":"1","duration_ms":50})", R"({"digits":"1","duration_ms":"100"})",
        R"({"digits":"1","to":"both"})", R"({"digits":"123456789012345678901234567890123"})"}) {
    EXPECT_FALSE(CallsApi::parseDtmfBody(bad)) << bad;
  }
}

}  // namespace
}  // namespace rtcgate::api
