#include "app/CtlCommand.hpp"

#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <filesystem>
#include <fstream>

#include "api/ApiRoutes.hpp"
#include "ctl/ApiClient.hpp"
#include "fakes/FakeTimers.hpp"
#include "unit/http/AdminTestServer.hpp"

namespace rtcgate::app {
namespace {

using http::HttpReply;
using http::HttpRequest;
using http::testing::AdminTestServer;

// `rtcgate ctl` end to end against a real http::HttpServer on 127.0.0.1:0 serving the real
// foundation routes, plus calls and reload handlers shaped as docs/API.md describes them.
class CtlCommandTest : public ::testing::Test {
 protected:
  void serve(std::string token = {}) {
    // Handlers are registered before the loop thread starts, as the gateway does.
    server_ = std::make_unique<AdminTestServer>(std::move(token));
    {
      requests_ = 7;
      ASSERT_TRUE(metrics_.addCounter("rtcgate_sip_requests_received_total",
                                      "SIP requests received", {}, &requests_));
      api::ApiProviders providers;
      providers.health = [this] { return checks_; };
      providers.registrations = [] {
        return std::vector<api::RegistrationInfo>{{"alice@localhost", "sip:alice@127.0.0.1:5070",
                                                   "udp", "127.0.0.1:5070", 0, 300, "sipp"}};
      };
      api::addApiRoutes(server_->server(), metrics_, timers_, std::move(providers));
      addCallRoutes();
    }
    ASSERT_TRUE(server_->start().ok());
  }

  void addCallRoutes() {
    auto& s = server_->server();
    s.add("GET", "/api/v1/calls", "calls", [](const HttpRequest&) {
      return HttpReply::json(
          R"({"calls":[{"id":"c1","state":"confirmed","from":"alice","to":"bob",)"
          R"("start":"17:00:00","answer":"17:00:01","duration":61,"media":{}}]})");
    });
    s.add("GET", "/api/v1/calls/{id}", "one call", [](const HttpRequest& r) {
      if (r.params.at("id") != "c1") return HttpReply::error(404, "no call " + r.params.at("id"));
      return HttpReply::json(R"({"id":"c1","state":"confirmed","media":{"packets":5}})");
    });
    s.add("DELETE", "/api/v1/calls/{id}", "hang up", [](const HttpRequest& r) {
      if (r.params.at("id") != "c1") return HttpReply::error(404, "no call " + r.params.at("id"));
      return HttpReply::json(R"({"ended":"c1"})");
    });
    s.add("POST", "/api/v1/calls", "originate", [this](const HttpRequest& r) {
      originateBody_ = r.body;
      return HttpReply::json(R"({"id":"c9"})");
    });
    s.add("POST", "/api/v1/calls/{id}/transfer", "transfer", [this](const HttpRequest& r) {
      transferBody_ = r.body;
      return HttpReply::json(R"({"id":7,"transferee":"callee","state":"requested"})", 202);
    });
    s.add("POST", "/api/v1/reload", "reload", [this](const HttpRequest&) {
      if (!reloadError_.empty()) return HttpReply::error(400, reloadError_);
      return HttpReply::json(
          R"({"reloaded":true,"applied":["routes"],"needs_restart":["sip.listen"]})");
    });
  }

  CtlResult ctl(std::string command, std::vector<std::string> args = {}, std::string token = {},
                bool json = false) {
    CtlRequest request;
    request.api = "http://127.0.0.1:" + std::to_string(server_->port());
    request.token = std::move(token);
    request.json = json;
    request.command = std::move(command);
    request.args = std::move(args);
    return runCtl(request);
  }

  rtcgate::testing::FakeTimers timers_;
  http::MetricsRegistry metrics_;
  std::uint64_t requests_ = 0;
  std::vector<api::HealthCheck> checks_;
  std::string originateBody_;
  std::string transferBody_;
  std::string reloadError_;
  std::unique_ptr<AdminTestServer> server_;
};

TEST_F(CtlCommandTest, HealthStatsAndRegistrationsPrintTables) {
  serve();
  const auto health = ctl("health");
  EXPECT_EQ(health.exitCode, 0) << health.err;
  EXPECT_EQ(health.out.rfind("status   healthy\n", 0), 0u) << health.out;
  EXPECT_EQ(health.err, "");

  const auto stats = ctl("stats");
  EXPECT_EQ(stats.exitCode, 0);
  EXPECT_NE(stats.out.find("rtcgate_sip_requests_received_total          7\n"), std::string::npos)
      << stats.out;

  const auto registrations = ctl("registrations");
  EXPECT_EQ(registrations.exitCode, 0);
  EXPECT_NE(registrations.out.find("alice@localhost  sip:alice@127.0.0.1:5070  udp"),
            std::string::npos)
      << registrations.out;
  EXPECT_EQ(ctl("registrations", {"carol"}).out, "no registrations\n");
}

TEST_F(CtlCommandTest, JsonFlagPrintsTheAnswerAsIs) {
  serve();
  const auto stats = ctl("stats", {}, {}, true);
  EXPECT_EQ(stats.exitCode, 0);
  EXPECT_EQ(stats.out, "{\"metrics\":" + metrics_.renderJson() + "}\n");
}

TEST_F(CtlCommandTest, CriticalHealthIsShownAndFails) {
  checks_ = {{"listeners", api::HealthLevel::Critical, "no SIP listener is bound"}};
  serve();
  const auto health = ctl("health");
  EXPECT_EQ(health.exitCode, 1);
  EXPECT_NE(health.out.find("listeners  critical  no SIP listener is bound"), std::string::npos)
      << health.out;
}

TEST_F(CtlCommandTest, TokenMissingOrWrongIsExplained) {
  serve("s3cret");
  const auto missing = ctl("health");
  EXPECT_EQ(missing.exitCode, 1);
  EXPECT_EQ(missing.err, "rtcgate ctl: the API needs a token (--token or RTCGATE_TOKEN)\n");
  EXPECT_EQ(missing.out, "");
  const auto wrong = ctl("health", {}, "guess");
  EXPECT_EQ(wrong.exitCode, 1);
  EXPECT_EQ(wrong.err, "rtcgate ctl: the API refused the token (check --token or RTCGATE_TOKEN)\n");
  EXPECT_EQ(ctl("health", {}, "s3cret").exitCode, 0);
}

TEST_F(CtlCommandTest, ClosedPortSaysTheGatewayIsNotRunning) {
  std::uint16_t port = 0;
  {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    port = acceptor.local_endpoint().port();
  }  // closed again: nothing listens there now
  CtlRequest request;
  request.api = "127.0.0.1:" + std::to_string(port);
  request.command = "health";
  const auto result = runCtl(request);
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_EQ(result.err, "rtcgate ctl: cannot reach the management API at http://127.0.0.1:" +
                            std::to_string(port) + ": is rtcgate run running?\n");
}

TEST_F(CtlCommandTest, CallsCallHangupAndOriginate) {
  serve();
  const auto calls = ctl("calls");
  EXPECT_EQ(calls.exitCode, 0);
  EXPECT_NE(calls.out.find("c1  confirmed  alice  bob  17:00:00  17:00:01  1m 01s\n"),
            std::string::npos)
      << calls.out;
  const auto call = ctl("call", {"c1"});
  EXPECT_NE(call.out.find("media.packets  5\n"), std::string::npos) << call.out;
  EXPECT_EQ(ctl("hangup", {"c1"}).out, "call c1 ended\n");

  const auto originate = ctl("originate", {"alice", "sip:+1 555@example.com"});
  EXPECT_EQ(originate.exitCode, 0) << originate.err;
  EXPECT_EQ(originate.out, "call c9 started: alice -> sip:+1 555@example.com\n");
  EXPECT_EQ(originateBody_, R"({"from":"alice","to":"sip:+1 555@example.com"})");

  const auto transfer = ctl("transfer", {"c1", "sip:carol@example.com", "callee"});
  EXPECT_EQ(transfer.exitCode, 0) << transfer.err;
  EXPECT_EQ(transfer.out, "call c1: REFER sent to the callee (call.transfer events follow)\n");
  EXPECT_EQ(transferBody_, R"({"target":"sip:carol@example.com","transferee":"callee"})");
  EXPECT_EQ(ctl("transfer", {"c1", "", "caller", "12"}).exitCode, 0);
  EXPECT_EQ(transferBody_, R"({"replaces":12,"transferee":"caller"})");
}

TEST_F(CtlCommandTest, NotFoundOnCallsGivesTheServersMessage) {
  serve();
  const auto call = ctl("call", {"a/b@c"});  // encoded: one path segment, not three
  EXPECT_EQ(call.exitCode, 1);
  EXPECT_EQ(call.err, "rtcgate ctl: no call a/b@c\n");
  const auto hangup = ctl("hangup", {"zz"});
  EXPECT_EQ(hangup.err, "rtcgate ctl: no call zz\n");
}

TEST_F(CtlCommandTest, ReloadReportsAppliedPartsOrTheRefusal) {
  serve();
  const auto ok = ctl("reload");
  EXPECT_EQ(ok.exitCode, 0);
  EXPECT_EQ(ok.out, "configuration reloaded\napplied: routes\nneeds restart: sip.listen\n");
  reloadError_ = "routes[0].match: not a valid regular expression";
  const auto refused = ctl("reload");
  EXPECT_EQ(refused.exitCode, 1);
  EXPECT_EQ(refused.err, "rtcgate ctl: routes[0].match: not a valid regular expression\n");
}

TEST_F(CtlCommandTest, EndpointAndTokenComeFromTheConfigFile) {
  serve("from-config");
  const auto dir =
      std::filesystem::temp_directory_path() / ("rtcgate-ctl-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = (dir / "rtcgate.yaml").string();
  std::ofstream(path) << "http: { listen: 127.0.0.1:" << server_->port()
                      << ", token: from-config }\n";
  CtlRequest request;
  request.configPath = path;
  request.command = "health";
  const auto result = runCtl(request);
  EXPECT_EQ(result.exitCode, 0) << result.err;

  std::ofstream(path) << "http: { listn: 1 }\n";
  const auto bad = runCtl(request);
  EXPECT_EQ(bad.exitCode, 1);
  EXPECT_EQ(bad.err, "rtcgate ctl: http.listn: unknown key\n");
  std::filesystem::remove_all(dir);
}

TEST(ApiEndpointTest, ParsesUrlsAndListenAddresses) {
  std::string why;
  auto e = ctl::ApiEndpoint::parse("http://127.0.0.1:8088/", why);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->host, "127.0.0.1");
  EXPECT_EQ(e->port, 8088);
  EXPECT_EQ(e->url, "http://127.0.0.1:8088");
  e = ctl::ApiEndpoint::parse("[::1]:9000", why);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->host, "::1");
  EXPECT_EQ(e->url, "http://[::1]:9000");
  e = ctl::ApiEndpoint::parse("http://localhost", why);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->port, 80);
  EXPECT_FALSE(ctl::ApiEndpoint::parse("https://127.0.0.1:8088", why));
  EXPECT_NE(why.find("only http://"), std::string::npos);
  EXPECT_FALSE(ctl::ApiEndpoint::parse("http://127.0.0.1:99999", why));
  EXPECT_FALSE(ctl::ApiEndpoint::parse("http://127.0.0.1:8088/api", why));
  EXPECT_FALSE(ctl::ApiEndpoint::parse("", why));

  e = ctl::ApiEndpoint::fromListen("0.0.0.0:8088", why);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->url, "http://127.0.0.1:8088");
  e = ctl::ApiEndpoint::fromListen("[::]:8088", why);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->url, "http://[::1]:8088");
  EXPECT_FALSE(ctl::ApiEndpoint::fromListen("127.0.0.1", why));
}

TEST(ApiClientTest, ErrorWordingAndSegmentEncoding) {
  const http::JsonValue none;
  EXPECT_EQ(ctl::ApiClient::errorFor(401, none, false),
            "the API needs a token (--token or RTCGATE_TOKEN)");
  EXPECT_EQ(
      ctl::ApiClient::errorFor(500, *http::JsonValue::parse(R"({"error":"store down"})"), true),
      "store down");
  EXPECT_EQ(ctl::ApiClient::errorFor(502, none, false), "the management API answered HTTP 502");
  EXPECT_EQ(ctl::ApiClient::encodeSegment("sip:a b@x/y~z"), "sip%3Aa%20b%40x%2Fy~z");
}

}  // namespace
}  // namespace rtcgate::app
