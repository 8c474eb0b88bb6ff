#include "api/PlayApi.hpp"

#include <gtest/gtest.h>

namespace rtcgate::api {
namespace {

TEST(PlayApiTest, BodyNamesAFileAndWhoHearsIt) {
  auto both = PlayApi::parseBody(R"({"file":"welcome.wav"})");
  ASSERT_TRUE(both) << both.error();
  EXPECT_EQ(both->file, "welcome.wav");
  EXPECT_EQ(both->to, "both");
  auto callee = PlayApi::parseBody(R"({"file":"a.wav","to":"callee"})");
  ASSERT_TRUE(callee) << callee.error();
  EXPECT_EQ(callee->to, "callee");
}

TEST(PlayApiTest, RefusesABodyWithoutAFileOrWithAnUnknownSide) {
  EXPECT_FALSE(PlayApi::parseBody(""));
  EXPECT_FALSE(PlayApi::parseBody("[]"));
  EXPECT_FALSE(PlayApi::parseBody(R"({"to":"both"})"));
  EXPECT_FALSE(PlayApi::parseBody(R"({"file":""})"));
  EXPECT_FALSE(PlayApi::parseBody(R"({"file":7})"));
  EXPECT_FALSE(PlayApi::parseBody(R"({"file":"a.wav","to":"everyone"})"));
}

}  // namespace
}  // namespace rtcgate::api
