#include "http/RequestGuard.hpp"

#include <gtest/gtest.h>

#include "http/BearerToken.hpp"

namespace rtcgate::http {
namespace {

RequestGuard guardFor(const char* listen, std::uint16_t port) {
  RequestGuard guard;
  guard.allowHosts(RequestGuard::defaultHosts(*SocketAddress::parse(listen, port), port));
  return guard;
}

unsigned statusOf(RequestGuard& guard, std::string_view method, const RequestHeaders& headers) {
  const auto refusal = guard.refuse(method, headers);
  return refusal ? refusal->status : 0;
}

TEST(RequestGuard, DefaultHostsAreTheListenAddressAndLoopbackNames) {
  auto guard = guardFor("127.0.0.1", 8088);
  for (const char* host :
       {"127.0.0.1:8088", "127.0.0.1", "localhost:8088", "LOCALHOST:8088", "[::1]:8088", ""}) {
    EXPECT_EQ(statusOf(guard, "GET", {.host = host}), 0u) << host;
  }
  for (const char* host : {"evil.example:8088", "evil.example", "localhost:9999",
                           "127.0.0.1.evil.example:8088", "localhost.evil.example"}) {
    EXPECT_EQ(statusOf(guard, "GET", {.host = host}), 403u) << host;
  }
  EXPECT_EQ(guard.refusals().host, 5u);
}

TEST(RequestGuard, WildcardListenAddressIsNoHostName) {
  auto guard = guardFor("0.0.0.0", 8088);
  EXPECT_EQ(statusOf(guard, "GET", {.host = "0.0.0.0:8088"}), 403u);
  EXPECT_EQ(statusOf(guard, "GET", {.host = "localhost:8088"}), 0u);
}

TEST(RequestGuard, ConfiguredHostsWithOrWithoutPort) {
  RequestGuard guard;
  guard.allowHosts({"GW.example.com", "10.0.0.5:8088"});
  EXPECT_EQ(statusOf(guard, "GET", {.host = "gw.example.com:443"}), 0u);
  EXPECT_EQ(statusOf(guard, "GET", {.host = "10.0.0.5:8088"}), 0u);
  EXPECT_EQ(statusOf(guard, "GET", {.host = "10.0.0.5:8089"}), 403u);
  EXPECT_EQ(statusOf(guard, "GET", {.host = "localhost:8088"}), 403u);
}

TEST(RequestGuard, OriginMustBeOurOwn) {
  auto guard = guardFor("127.0.0.1", 8088);
  const RequestHeaders own{.host = "127.0.0.1:8088", .origin = "http://127.0.0.1:8088"};
  EXPECT_EQ(statusOf(guard, "GET", own), 0u);
  EXPECT_EQ(statusOf(guard, "GET", {.origin = "https://localhost:8088"}), 0u);
  for (const char* origin : {"http://evil.example", "null", "http://127.0.0.1:8088/path", "file://",
                             "chrome-extension://abc", "http://localhost:9999"}) {
    EXPECT_EQ(statusOf(guard, "GET", {.host = "127.0.0.1:8088", .origin = origin}), 403u) << origin;
  }
  EXPECT_EQ(guard.refusals().origin, 6u);
}

TEST(RequestGuard, StateChangingRequestsMustBeJson) {
  auto guard = guardFor("127.0.0.1", 8088);
  for (const char* method : {"POST", "PUT", "PATCH", "DELETE"}) {
    EXPECT_EQ(statusOf(guard, method, {}), 415u) << method;
    EXPECT_EQ(statusOf(guard, method, {.contentType = "text/plain"}), 415u) << method;
    EXPECT_EQ(statusOf(guard, method, {.contentType = "application/json"}), 0u) << method;
  }
  EXPECT_EQ(statusOf(guard, "POST", {.contentType = "Application/JSON; charset=utf-8"}), 0u);
  EXPECT_EQ(statusOf(guard, "POST", {.contentType = "application/x-www-form-urlencoded"}), 415u);
  EXPECT_EQ(statusOf(guard, "POST", {.contentType = "application/jsonx"}), 415u);
  EXPECT_EQ(statusOf(guard, "GET", {}), 0u);
}

TEST(BearerToken, HeaderAndSubprotocolInConstantTime) {
  const BearerToken token("s3cret");
  EXPECT_TRUE(token.required());
  EXPECT_TRUE(token.acceptsAuthorization("Bearer s3cret"));
  EXPECT_TRUE(token.acceptsAuthorization("bearer s3cret"));
  EXPECT_FALSE(token.acceptsAuthorization("Bearer s3cre"));
  EXPECT_FALSE(token.acceptsAuthorization("Bearer s3cret "));
  EXPECT_FALSE(token.acceptsAuthorization("Basic s3cret"));
  EXPECT_FALSE(token.acceptsAuthorization("Bearer "));
  EXPECT_TRUE(token.acceptsSubprotocols("rtcgate.events, bearer.s3cret"));
  EXPECT_TRUE(token.acceptsSubprotocols("bearer.s3cret"));
  EXPECT_FALSE(token.acceptsSubprotocols("rtcgate.events, bearer.guess"));
  EXPECT_FALSE(token.acceptsSubprotocols("s3cret"));
  EXPECT_FALSE(BearerToken("").required());
}

}  // namespace
}  // namespace rtcgate::http
