#include "api/ApiRoutes.hpp"

#include <gtest/gtest.h>

#include <mutex>

#include "api/OpenApi.hpp"
#include "base/Version.hpp"
#include "fakes/FakeTimers.hpp"
#include "unit/http/AdminTestServer.hpp"
#include "unit/http/JsonCheck.hpp"

namespace rtcgate::api {
namespace {

using boost::beast::http::verb;
using http::testing::AdminTestServer;
using http::testing::JsonCheck;
using http::testing::request;

RegistrationInfo binding(std::string aor, std::string contact, std::string transport) {
  return RegistrationInfo{
      std::move(aor), std::move(contact), std::move(transport), "127.0.0.1:5062", 7, 300, "sipp"};
}

class ApiRoutesTest : public ::testing::Test {
 protected:
  ApiRoutesTest() {
    bindings_ = {binding("sip:alice@example.com", "sip:alice@127.0.0.1:5062", "udp"),
                 binding("sip:alice@example.com", "sip:x@df7jal23ls0d.invalid;transport=ws", "wss"),
                 binding("sip:bob@example.com", "sip:bob@127.0.0.1:5064", "tcp")};
    ApiProviders providers;
    providers.health = [this] {
      std::lock_guard lock(mutex_);
      return checks_;
    };
    providers.registrations = [this] {
      std::lock_guard lock(mutex_);
      return bindings_;
    };
    providers.removeRegistrations = [this](std::string_view aor) {
      std::lock_guard lock(mutex_);
      return static_cast<std::size_t>(
          std::erase_if(bindings_, [&](const auto& b) { return b.aor == aor; }));
    };
    std::uint64_t* counter = &invites_;
    EXPECT_TRUE(metrics_.addCounter("rtcgate_sip_requests_total", "SIP requests",
                                    {{"method", "INVITE"}}, counter));
    EXPECT_TRUE(metrics_.addGauge("rtcgate_registrations", "Registered contacts", {}, [this] {
      std::lock_guard lock(mutex_);
      return static_cast<double>(bindings_.size());
    }));
    addApiRoutes(test_.server(), metrics_, timers_, std::move(providers));
    EXPECT_TRUE(test_.start());
  }

  std::uint16_t port() const { return test_.port(); }

  std::mutex mutex_;
  std::vector<HealthCheck> checks_;
  std::vector<RegistrationInfo> bindings_;
  std::uint64_t invites_ = 0;
  http::MetricsRegistry metrics_;
  rtcgate::testing::FakeTimers timers_;
  AdminTestServer test_;
};

TEST_F(ApiRoutesTest, MetricsIsPrometheusText) {
  invites_ = 9;
  const auto reply = request(port(), verb::get, "/metrics");
  EXPECT_EQ(reply.status, 200u);
  EXPECT_EQ(reply.contentType, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(reply.body.find("# TYPE rtcgate_sip_requests_total counter\n"
                            "rtcgate_sip_requests_total{method=\"INVITE\"} 9\n"),
            std::string::npos)
      << reply.body;
  EXPECT_NE(reply.body.find("rtcgate_registrations 3\n"), std::string::npos);
}

TEST_F(ApiRoutesTest, StatsIsJsonOfAllMetrics) {
  const auto reply = request(port(), verb::get, "/api/v1/stats");
  EXPECT_EQ(reply.status, 200u);
  EXPECT_TRUE(JsonCheck::valid(reply.body)) << reply.body;
  EXPECT_EQ(reply.body.rfind(R"({"metrics":{"rtcgate_sip_requests_total":{"type":"counter")", 0),
            0u)
      << reply.body;
  EXPECT_NE(
      reply.body.find(
          R"("rtcgate_registrations":{"type":"gauge","help":"Registered contacts","samples":[{"labels":{},"value":3}]})"),
      std::string::npos);
}

TEST_F(ApiRoutesTest, HealthIsWorstCheckWithReasonsUptimeAndVersion) {
  timers_.advance(std::chrono::seconds(42));
  auto reply = request(port(), verb::get, "/api/v1/health");
  EXPECT_EQ(reply.status, 200u);
  EXPECT_TRUE(JsonCheck::valid(reply.body)) << reply.body;
  EXPECT_EQ(reply.body,
            std::string(
                R"({"status":"healthy","reasons":[],"checks":[],"uptime_seconds":42,"version":")") +
                kVersion + "\"}");

  {
    std::lock_guard lock(mutex_);
    checks_ = {{"store", HealthLevel::Healthy, "ok"},
               {"relay", HealthLevel::Degraded, "1 of 2 relays down"}};
  }
  reply = request(port(), verb::get, "/api/v1/health");
  EXPECT_EQ(reply.status, 200u);
  EXPECT_NE(reply.body.find(R"("status":"degraded","reasons":["relay: 1 of 2 relays down"])"),
            std::string::npos)
      << reply.body;

  {
    std::lock_guard lock(mutex_);
    checks_.push_back({"listeners", HealthLevel::Critical, "no SIP listener up"});
  }
  reply = request(port(), verb::get, "/api/v1/health");
  EXPECT_EQ(reply.status, 503u);
  EXPECT_TRUE(JsonCheck::valid(reply.body)) << reply.body;
  EXPECT_NE(
      reply.body.find(
          R"("status":"critical","reasons":["relay: 1 of 2 relays down","listeners: no SIP listener up"])"),
      std::string::npos)
      << reply.body;
}

TEST_F(ApiRoutesTest, RegistrationsListAndFilterByUser) {
  auto reply = request(port(), verb::get, "/api/v1/registrations");
  EXPECT_EQ(reply.status, 200u);
  EXPECT_TRUE(JsonCheck::valid(reply.body)) << reply.body;
  EXPECT_NE(
      reply.body.find(
          R"({"aor":"sip:bob@example.com","contact":"sip:bob@127.0.0.1:5064","transport":"tcp","source":"127.0.0.1:5062","connection_id":7,"expires_in":300,"user_agent":"sipp"})"),
      std::string::npos)
      << reply.body;

  reply = request(port(), verb::get, "/api/v1/registrations?user=alice");
  EXPECT_TRUE(JsonCheck::valid(reply.body)) << reply.body;
  EXPECT_EQ(reply.body.find("bob"), std::string::npos) << reply.body;
  EXPECT_NE(reply.body.find("\"transport\":\"udp\""), std::string::npos);
  EXPECT_NE(reply.body.find("\"transport\":\"wss\""), std::string::npos);

  reply = request(port(), verb::get, "/api/v1/registrations?user=sip%3Abob%40example.com");
  EXPECT_NE(reply.body.find("bob"), std::string::npos);
  EXPECT_EQ(reply.body.find("alice"), std::string::npos);

  reply = request(port(), verb::get, "/api/v1/registrations?user=carol");
  EXPECT_EQ(reply.body, R"({"registrations":[]})");
}

TEST_F(ApiRoutesTest, DeleteRemovesEveryBindingOfTheAorOr404) {
  auto reply = request(port(), verb::delete_, "/api/v1/registrations/sip%3Aalice%40example.com");
  EXPECT_EQ(reply.status, 200u);
  EXPECT_EQ(reply.body, R"({"aor":"sip:alice@example.com","removed":2})");

  reply = request(port(), verb::get, "/api/v1/registrations");
  EXPECT_EQ(reply.body.find("alice"), std::string::npos) << reply.body;
  EXPECT_NE(reply.body.find("bob"), std::string::npos);

  reply = request(port(), verb::delete_, "/api/v1/registrations/sip%3Aalice%40example.com");
  EXPECT_EQ(reply.status, 404u);
  EXPECT_TRUE(JsonCheck::valid(reply.body)) << reply.body;
  EXPECT_EQ(request(port(), verb::get, "/api/v1/registrations/x").status, 405u);
}

TEST_F(ApiRoutesTest, OpenApiIsValidJsonAndDescribesEveryRoute) {
  const auto reply = request(port(), verb::get, "/api/v1/openapi.json");
  EXPECT_EQ(reply.status, 200u);
  EXPECT_EQ(reply.contentType, "application/json");
  EXPECT_TRUE(JsonCheck::valid(reply.body));
  EXPECT_EQ(reply.body.front(), '{');
  EXPECT_NE(reply.body.find(R"("openapi": "3.)"), std::string::npos);
  for (const auto& route : test_.server().router().routes()) {
    const std::string path = "\"" + route.pattern + "\": {";
    const auto at = reply.body.find(path);
    ASSERT_NE(at, std::string::npos) << route.pattern;
    std::string method = route.method;
    for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_NE(reply.body.find("\"" + method + "\": {", at), std::string::npos) << route.pattern;
  }
}

TEST(ApiRoutesPartsTest, AorUser) {
  EXPECT_EQ(aorUser("sip:alice@example.com"), "alice");
  EXPECT_EQ(aorUser("sips:bob@example.com:5061"), "bob");
  EXPECT_EQ(aorUser("carol@example.com"), "carol");
  EXPECT_EQ(aorUser("dave"), "dave");
}

TEST(ApiRoutesPartsTest, MissingProvidersAnswer503) {
  AdminTestServer test;
  http::MetricsRegistry metrics;
  rtcgate::testing::FakeTimers timers;
  addApiRoutes(test.server(), metrics, timers, ApiProviders{});
  ASSERT_TRUE(test.start());
  EXPECT_EQ(request(test.port(), verb::get, "/api/v1/registrations").status, 503u);
  EXPECT_EQ(request(test.port(), verb::delete_, "/api/v1/registrations/a").status, 503u);
  const auto health = request(test.port(), verb::get, "/api/v1/health");
  EXPECT_EQ(health.status, 200u);
  EXPECT_NE(health.body.find("\"status\":\"healthy\""), std::string::npos);
  EXPECT_EQ(request(test.port(), verb::get, "/metrics").body, "");
}

}  // namespace
}  // namespace rtcgate::api
