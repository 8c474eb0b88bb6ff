#include "http/Router.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "unit/http/JsonCheck.hpp"

namespace rtcgate::http {
namespace {

using testing::JsonCheck;

Handler echo(std::string name) {
  return [name](const HttpRequest& request) {
    std::string body = name;
    for (const auto& [key, value] : request.params) body += " " + key + "=" + value;
    for (const auto& [key, value] : request.query) body += " ?" + key + "=" + value;
    return HttpReply{200, "text/plain", body};
  };
}

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    router_.add("GET", "/api/v1/registrations", "list", echo("list"));
    router_.add("DELETE", "/api/v1/registrations/{aor}", "delete", echo("delete"));
    router_.add("GET", "/api/v1/calls/{id}/legs/{leg}", "leg", echo("leg"));
    router_.add("GET", "/api/v1/", "index", echo("index"));
  }

  Router router_;
};

TEST_F(RouterTest, RoutesByMethodAndPath) {
  EXPECT_EQ(router_.dispatch("GET", "/api/v1/registrations", "").body, "list");
  EXPECT_EQ(router_.dispatch("GET", "/api/v1/", "").body, "index");
}

TEST_F(RouterTest, ExtractsPathParameters) {
  EXPECT_EQ(router_.dispatch("DELETE", "/api/v1/registrations/alice", "").body, "delete aor=alice");
  EXPECT_EQ(router_.dispatch("GET", "/api/v1/calls/c1/legs/b", "").body, "leg id=c1 leg=b");
}

TEST_F(RouterTest, DecodesParametersAfterSplittingSoEncodedSlashStaysInside) {
  EXPECT_EQ(router_.dispatch("DELETE", "/api/v1/registrations/sip%3Aalice%40example.com", "").body,
            "delete aor=sip:alice@example.com");
  EXPECT_EQ(router_.dispatch("DELETE", "/api/v1/registrations/a%2Fb", "").body, "delete aor=a/b");
  // '+' is literal in a path.
  EXPECT_EQ(router_.dispatch("DELETE", "/api/v1/registrations/a+b", "").body, "delete aor=a+b");
}

TEST_F(RouterTest, ParsesQueryStrings) {
  EXPECT_EQ(router_.dispatch("GET", "/api/v1/registrations?user=alice%40x&flag&b=c+d", "").body,
            "list ?b=c d ?flag= ?user=alice@x");
}

TEST_F(RouterTest, UnknownPathIs404AndWrongMethod405WithJsonErrors) {
  const HttpReply missing = router_.dispatch("GET", "/api/v1/nothing", "");
  EXPECT_EQ(missing.status, 404u);
  EXPECT_EQ(missing.contentType, "application/json");
  EXPECT_TRUE(JsonCheck::valid(missing.body)) << missing.body;
  EXPECT_NE(missing.body.find("\"error\""), std::string::npos);

  EXPECT_EQ(router_.dispatch("POST", "/api/v1/registrations", "").status, 405u);
  EXPECT_EQ(router_.dispatch("GET", "/api/v1/registrations/alice", "").status, 405u);
  // An empty parameter does not match, and extra segments do not either.
  EXPECT_EQ(router_.dispatch("DELETE", "/api/v1/registrations/", "").status, 404u);
  EXPECT_EQ(router_.dispatch("GET", "/api/v1/registrations/a/b", "").status, 404u);
  EXPECT_EQ(router_.dispatch("GET", "/api/v1", "").status, 404u);
}

TEST_F(RouterTest, MalformedTargetsAre400) {
  EXPECT_EQ(router_.dispatch("GET", "api/v1/", "").status, 400u);
  EXPECT_EQ(router_.dispatch("GET", "", "").status, 400u);
  EXPECT_EQ(router_.dispatch("DELETE", "/api/v1/registrations/%4", "").status, 400u);
  EXPECT_EQ(router_.dispatch("DELETE", "/api/v1/registrations/%zz", "").status, 400u);
  EXPECT_EQ(router_.dispatch("GET", "/api/v1/registrations?user=%", "").status, 400u);
}

TEST_F(RouterTest, HandlerExceptionBecomes500) {
  router_.add("GET", "/boom", "throws", [](const HttpRequest&) -> HttpReply {
    throw std::runtime_error("provider \"failed\"");
  });
  const HttpReply reply = router_.dispatch("GET", "/boom", "");
  EXPECT_EQ(reply.status, 500u);
  EXPECT_EQ(reply.body, R"({"error":"provider \"failed\""})");
}

TEST_F(RouterTest, PassesBodyAndMethod) {
  router_.add("POST", "/echo", "echo body", [](const HttpRequest& request) {
    return HttpReply{201, "text/plain", request.method + ":" + request.path + ":" + request.body};
  });
  const HttpReply reply = router_.dispatch("POST", "/echo?x=1", "payload");
  EXPECT_EQ(reply.status, 201u);
  EXPECT_EQ(reply.body, "POST:/echo:payload");
}

TEST_F(RouterTest, RoutesJsonListsEveryRouteWithHelp) {
  const std::string json = router_.routesJson();
  EXPECT_TRUE(JsonCheck::valid(json)) << json;
  EXPECT_NE(
      json.find(R"({"method":"DELETE","path":"/api/v1/registrations/{aor}","help":"delete"})"),
      std::string::npos)
      << json;
  EXPECT_EQ(router_.routes().size(), 4u);
}

TEST(JsonCheckTest, RejectsInvalidJson) {
  EXPECT_TRUE(JsonCheck::valid(R"({"a":[1,-2.5e3,true,null,"x\n\u00e9"],"b":{}})"));
  EXPECT_FALSE(JsonCheck::valid(R"({"a":1,})"));
  EXPECT_FALSE(JsonCheck::valid(R"({"a" 1})"));
  EXPECT_FALSE(JsonCheck::valid(R"(["unterminated)"));
  EXPECT_FALSE(JsonCheck::valid("{\"a\":\"raw\nnewline\"}"));
  EXPECT_FALSE(JsonCheck::valid("{} {}"));
  EXPECT_FALSE(JsonCheck::valid("01"));
  EXPECT_FALSE(JsonCheck::valid("NaN"));
}

}  // namespace
}  // namespace rtcgate::http
