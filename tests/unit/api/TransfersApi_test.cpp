#include "api/TransfersApi.hpp"

#include <gtest/gtest.h>

namespace rtcgate::api {
namespace {

TEST(TransfersApiTest, TakesASipTargetAndTheTransferee) {
  auto plain = TransfersApi::parseBody(R"({"target":"sip:carol@example.com"})");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->target, "sip:carol@example.com");
  EXPECT_TRUE(plain->transfereeIsCaller) << "the caller goes to the target by default";
  auto callee = TransfersApi::parseBody(
      R"({"target":"sips:+15551234@pbx.example:5061","transferee":"callee"})");
  ASSERT_TRUE(callee);
  EXPECT_FALSE(callee->transfereeIsCaller);
}

TEST(TransfersApiTest, TakesAnotherCallToReplaceInsteadOfATarget) {
  auto attended = TransfersApi::parseBody(R"({"replaces":12,"target_party":"callee"})");
  ASSERT_TRUE(attended);
  EXPECT_EQ(attended->replaces, 12u);
  EXPECT_EQ(attended->targetIsCallee, true);
  auto guessed = TransfersApi::parseBody(R"({"replaces":3,"transferee":"callee"})");
  ASSERT_TRUE(guessed);
  EXPECT_FALSE(guessed->targetIsCallee)
      << "left to the proxy: the party that is not the transferor";
  for (const char* body : {R"({"replaces":12,"target":"sip:carol@example.com"})",
                           R"({"replaces":0})", R"({"replaces":1.5})", R"({"replaces":"12"})",
                           R"({"replaces":-4})", R"({"replaces":2,"target_party":"both"})"}) {
    EXPECT_FALSE(TransfersApi::parseBody(body)) << body;
  }
}

TEST(TransfersApiTest, RefusesTargetsThatAreNoSipUriOrWouldLeaveTheirHeader) {
  for (const char* body :
       {R"({})", R"({"target":""})", R"({"target":"carol"})", R"({"target":"tel:+15551234"})",
        R"({"target":"http://example.com"})", R"({"target":"sip:carol@example.com>\r\nX-Evil: 1"})",
        R"({"target":"sip:carol@example.com>;x=<sip:a@b"})",
        R"({"target":"sip:carol@exa mple.com"})", R"({"target":7})",
        R"({"target":"sip:carol@example.com","transferee":"both"})", "[]", "{"}) {
    EXPECT_FALSE(TransfersApi::parseBody(body)) << body;
  }
}

}  // namespace
}  // namespace rtcgate::api
