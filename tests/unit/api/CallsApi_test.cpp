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

}  // namespace
}  // namespace rtcgate::api
