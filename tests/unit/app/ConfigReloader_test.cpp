#include "app/ConfigReloader.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "app/ConfigLoader.hpp"
#include "unit/http/AdminTestServer.hpp"

namespace rtcgate::app {
namespace {

bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

const char* kBase =
    "log: { level: info }\n"
    "sip: { listen: [udp://127.0.0.1:5060] }\n"
    "routes:\n"
    "  - { match: '^1', to: [sip:10.0.0.1:5060] }\n";

class ConfigReloaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("rtcgate-reload-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "rtcgate.yaml").string();
    write(kBase);
    auto loaded = loadConfigFile(path_);
    ASSERT_TRUE(loaded.ok());
    running_ = loaded.config;
    savedLevel_ = spdlog::get_level();
  }
  void TearDown() override {
    spdlog::set_level(savedLevel_);
    std::filesystem::remove_all(dir_);
  }

  void write(const std::string& yaml) { std::ofstream(path_) << yaml; }

  ConfigReloader reloader() {
    ConfigReloader::Appliers appliers;
    appliers.tls = [this](const Config& config) {
      ++tlsCalls_;
      tlsSeen_ = config.tls.certificate;
      return tlsResult_ ? io::Status::success() : io::Status::failure("tls: cannot load x.pem");
    };
    appliers.routes = [this](const Config& config) { routesSeen_ = config.routes; };
    return ConfigReloader(path_, running_, std::move(appliers));
  }

  std::filesystem::path dir_;
  std::string path_;
  Config running_;
  spdlog::level::level_enum savedLevel_ = spdlog::level::info;
  int tlsCalls_ = 0;
  bool tlsResult_ = true;
  std::string tlsSeen_;
  std::vector<StaticRoute> routesSeen_;
};

TEST_F(ConfigReloaderTest, AppliesRoutesTlsAndLogLevel) {
  auto r = reloader();
  write(
      "log: { level: debug }\n"
      "sip: { listen: [udp://127.0.0.1:5060] }\n"
      "tls: { certificate: new.pem, private_key: new.key }\n"
      "routes:\n"
      "  - { match: '^2', to: [sip:10.0.0.2:5060, sip:10.0.0.3:5060] }\n");
  const auto outcome = r.reload();
  ASSERT_TRUE(outcome.ok) << outcome.error;
  EXPECT_TRUE(outcome.changes.routes);
  EXPECT_TRUE(outcome.changes.tls);
  EXPECT_TRUE(outcome.changes.logLevel);
  EXPECT_EQ(outcome.changes.applied, (std::vector<std::string>{"log.level", "tls.certificate",
                                                               "tls.private_key", "routes"}));
  EXPECT_TRUE(outcome.changes.needsRestart.empty());
  ASSERT_EQ(routesSeen_.size(), 1u);
  EXPECT_EQ(routesSeen_[0].match, "^2");
  EXPECT_EQ(routesSeen_[0].to.size(), 2u);
  EXPECT_EQ(tlsSeen_, "new.pem");
  EXPECT_EQ(spdlog::get_level(), spdlog::level::debug);
  EXPECT_EQ(r.running().routes[0].match, "^2");
  EXPECT_EQ(outcome.json(),
            R"({"reloaded":true,"applied":["log.level","tls.certificate","tls.private_key",)"
            R"("routes"],"needs_restart":[],"tls_reread":true})");
  EXPECT_EQ(outcome.summary(),
            "configuration reloaded: applied log.level, tls.certificate, tls.private_key, routes; "
            "TLS files re-read");

  // The same file again: nothing differs, yet TLS files are re-read (renewed in place).
  const auto again = r.reload();
  ASSERT_TRUE(again.ok);
  EXPECT_FALSE(again.changes.any());
  EXPECT_EQ(tlsCalls_, 2);
}

TEST_F(ConfigReloaderTest, InvalidFileIsRefusedWithItsKeyPathAndChangesNothing) {
  auto r = reloader();
  write(
      "log: { level: trace }\n"
      "routes:\n"
      "  - { match: '([', to: [sip:10.0.0.2:5060] }\n");
  const auto outcome = r.reload();
  EXPECT_FALSE(outcome.ok);
  EXPECT_EQ(outcome.error.rfind("routes[0].match: not a valid regular expression", 0), 0u)
      << outcome.error;
  EXPECT_EQ(outcome.json().rfind("{\"error\":\"routes[0].match: ", 0), 0u) << outcome.json();
  EXPECT_EQ(tlsCalls_, 0);
  EXPECT_TRUE(routesSeen_.empty());
  EXPECT_EQ(spdlog::get_level(), savedLevel_);
  EXPECT_EQ(r.running().routes[0].match, "^1");

  write("sip: { listn: [] }\nlog: { level: loud }\n");
  const auto two = r.reload();
  EXPECT_FALSE(two.ok);
  EXPECT_EQ(two.error,
            "log.level: expected trace, debug, info, warn or error, got 'loud' (and 1 more)");
}

TEST_F(ConfigReloaderTest, NonReloadableChangesAreReportedAndKeptAsRunning) {
  auto r = reloader();
  write(
      "log: { level: info, format: json }\n"
      "sip: { listen: [udp://127.0.0.1:5070], domains: [example.test] }\n"
      "http: { listen: 127.0.0.1:9999 }\n"
      "routes:\n"
      "  - { match: '^1', to: [sip:10.0.0.1:5060] }\n");
  const auto outcome = r.reload();
  ASSERT_TRUE(outcome.ok) << outcome.error;
  EXPECT_TRUE(outcome.changes.applied.empty());
  EXPECT_EQ(outcome.changes.needsRestart,
            (std::vector<std::string>{"log.format", "sip.domains", "sip.listen", "http.listen"}));
  EXPECT_TRUE(routesSeen_.empty());  // routes did not change: not re-applied
  EXPECT_EQ(r.running().sip.listen[0].port, 5060);
  EXPECT_EQ(r.running().http.listen, "127.0.0.1:8088");
  EXPECT_NE(outcome.summary().find("needs restart: log.format, sip.domains, sip.listen"),
            std::string::npos);
  // Still running the old values, so the next reload says so again.
  EXPECT_EQ(r.reload().changes.needsRestart.size(), 4u);
}

TEST_F(ConfigReloaderTest, DnsChangesNeedARestart) {
  auto r = reloader();
  write("sip: { failover_timeout: 3 }\ndns: { servers: [192.0.2.53], blacklist_seconds: 5 }\n");
  const auto outcome = r.reload();
  ASSERT_TRUE(outcome.ok) << outcome.error;
  const auto& restart = outcome.changes.needsRestart;
  for (const char* key : {"sip.failover_timeout", "dns.servers", "dns.blacklist_seconds"}) {
    EXPECT_NE(std::find(restart.begin(), restart.end(), key), restart.end()) << key;
  }
  EXPECT_EQ(std::find(restart.begin(), restart.end(), "dns.timeout_ms"), restart.end());
}

TEST_F(ConfigReloaderTest, TrunkChangesNeedARestart) {
  auto r = reloader();
  write("trunks: [{ name: c, address: 'sip:10.0.0.5' }]\n");
  const auto outcome = r.reload();
  ASSERT_TRUE(outcome.ok) << outcome.error;
  const auto& restart = outcome.changes.needsRestart;
  EXPECT_NE(std::find(restart.begin(), restart.end(), "trunks"), restart.end());
}

TEST_F(ConfigReloaderTest, WebRtcChangesNeedARestart) {
  auto r = reloader();
  write("webrtc: { ice_servers: [\"stun:stun.example.com\"], turn_ttl: 600 }\n");
  const auto outcome = r.reload();
  ASSERT_TRUE(outcome.ok) << outcome.error;
  const auto& restart = outcome.changes.needsRestart;
  for (const char* key : {"webrtc.ice_servers", "webrtc.turn_ttl"}) {
    EXPECT_NE(std::find(restart.begin(), restart.end(), key), restart.end()) << key;
  }
  EXPECT_EQ(std::find(restart.begin(), restart.end(), "webrtc.turn_secret_file"), restart.end());
}

TEST_F(ConfigReloaderTest, TlsFailureRefusesTheWholeReload) {
  tlsResult_ = false;
  auto r = reloader();
  write(std::string(kBase) + "  - { match: '^9', to: [sip:10.0.0.9:5060] }\n");
  const auto outcome = r.reload();
  EXPECT_FALSE(outcome.ok);
  EXPECT_EQ(outcome.error, "tls: cannot load x.pem");
  EXPECT_TRUE(routesSeen_.empty());
  EXPECT_EQ(r.running().routes.size(), 1u);
}

TEST_F(ConfigReloaderTest, WithoutAppliersOrFileNothingIsPretended) {
  ConfigReloader bare(path_, running_, {});
  write(
      "sip: { listen: [udp://127.0.0.1:5060] }\n"
      "tls: { ca: ca.pem }\n"
      "routes: []\n");
  const auto outcome = bare.reload();
  ASSERT_TRUE(outcome.ok);
  EXPECT_TRUE(outcome.changes.applied.empty());
  EXPECT_TRUE(contains(outcome.changes.needsRestart, "tls.ca"));
  EXPECT_TRUE(contains(outcome.changes.needsRestart, "routes"));
  EXPECT_FALSE(outcome.tlsReread);
  EXPECT_EQ(bare.running().routes.size(), 1u);

  ConfigReloader noFile("", running_, {});
  const auto refused = noFile.reload();
  EXPECT_FALSE(refused.ok);
  EXPECT_NE(refused.error.find("without --config"), std::string::npos);
}

TEST_F(ConfigReloaderTest, PostReloadAnswersWithTheOutcome) {
  auto r = reloader();
  http::testing::AdminTestServer server;
  r.addRoute(server.server());
  ASSERT_TRUE(server.start().ok());
  write(std::string(kBase) + "  - { match: '^9', to: [sip:10.0.0.9:5060] }\n");
  const auto ok =
      http::testing::request(server.port(), boost::beast::http::verb::post, "/api/v1/reload");
  EXPECT_EQ(ok.status, 200u);
  EXPECT_EQ(ok.body,
            R"({"reloaded":true,"applied":["routes"],"needs_restart":[],"tls_reread":true})");
  EXPECT_EQ(routesSeen_.size(), 2u);

  write("routes: 3\n");
  const auto refused =
      http::testing::request(server.port(), boost::beast::http::verb::post, "/api/v1/reload");
  EXPECT_EQ(refused.status, 400u);
  EXPECT_EQ(refused.body, R"({"error":"routes: expected a list"})");
}

TEST(ConfigDiffTest, EveryKeyGroupIsClassified) {
  const Config a = defaultConfig();
  Config b = a;
  b.node.id = "gw2";
  b.sip.registrar.maxContacts = 3;
  b.media.portMax = 40000;
  b.media.workers = 2;
  b.media.packetIo = "epoll";
  b.media.anchor = "always";
  b.calls.cdrFile = "off";
  b.relay.listen = {"udp://127.0.0.1:1"};
  b.store = "sqlite:/tmp/x.db";
  b.http.token = "t";
  b.tls.verifyPeer = true;
  const auto changes = diffConfig(a, b);
  EXPECT_EQ(changes.applied, (std::vector<std::string>{"tls.verify_peer"}));
  EXPECT_EQ(changes.needsRestart,
            (std::vector<std::string>{"node.id", "sip.registrar.max_contacts", "media.anchor",
                                      "media.ports", "media.workers", "media.packet_io",
                                      "calls.cdr_file", "relay.listen", "store", "http.token"}));
  EXPECT_FALSE(diffConfig(a, a).any());
}

// `rtcgate relay` reports only what it reads; relay.allowed_sources is reloadable there.
TEST(ConfigDiffTest, RelayReadsFewerKeys) {
  const Config a = defaultConfig();
  Config b = a;
  b.log.level = "debug";
  b.sip.domains = {"example.test"};
  b.media.anchor = "always";
  b.media.portMax = 40000;
  b.relay.listen = {"udp://127.0.0.1:1"};
  b.relay.allowedSources = {"10.0.0.0/8"};
  b.routes.push_back({});
  const auto changes = diffRelayConfig(a, b);
  EXPECT_EQ(changes.applied, (std::vector<std::string>{"log.level", "relay.allowed_sources"}));
  EXPECT_EQ(changes.needsRestart, (std::vector<std::string>{"media.ports", "relay.listen"}));
  EXPECT_TRUE(changes.allowedSources);
  EXPECT_FALSE(diffConfig(a, b).allowedSources);  // the gateway restarts for it
}

TEST(ConfigDiffTest, LogLevelNamesMapToSpdlog) {
  const auto saved = spdlog::get_level();
  EXPECT_TRUE(applyLogLevel("warn"));
  EXPECT_EQ(spdlog::get_level(), spdlog::level::warn);
  EXPECT_FALSE(applyLogLevel("loud"));
  EXPECT_EQ(spdlog::get_level(), spdlog::level::warn);
  spdlog::set_level(saved);
}

}  // namespace
}  // namespace rtcgate::app

namespace rtcgate::app {
namespace {

TEST_F(ConfigReloaderTest, RelayAppliesAllowedSourcesAndLogLevel) {
  std::vector<std::string> sourcesSeen;
  ConfigReloader::Appliers appliers;
  appliers.allowedSources = [&](const Config& config) {
    sourcesSeen = config.relay.allowedSources;
  };
  ConfigReloader relay(path_, running_, std::move(appliers), ConfigReloader::Role::Relay);
  write(
      "log: { level: debug }\n"
      "sip: { listen: [udp://127.0.0.1:5070] }\n"
      "media: { workers: 2 }\n"
      "relay: { allowed_sources: [127.0.0.1, 10.0.0.0/8] }\n");
  const auto outcome = relay.reload();
  ASSERT_TRUE(outcome.ok) << outcome.error;
  EXPECT_EQ(outcome.changes.applied,
            (std::vector<std::string>{"log.level", "relay.allowed_sources"}));
  // sip.listen and routes changed too, but the relay does not read them.
  EXPECT_EQ(outcome.changes.needsRestart, std::vector<std::string>{"media.workers"});
  EXPECT_EQ(sourcesSeen, (std::vector<std::string>{"127.0.0.1", "10.0.0.0/8"}));
  EXPECT_EQ(spdlog::get_level(), spdlog::level::debug);
  EXPECT_EQ(relay.running().relay.allowedSources, sourcesSeen);
  EXPECT_EQ(relay.running().media.workers, 1u);
  EXPECT_EQ(outcome.summary(),
            "configuration reloaded: applied log.level, relay.allowed_sources; needs restart: "
            "media.workers");

  // Without its applier the change is reported as needing a restart, not pretended.
  ConfigReloader bare(path_, running_, {}, ConfigReloader::Role::Relay);
  const auto demoted = bare.reload();
  EXPECT_TRUE(contains(demoted.changes.needsRestart, "relay.allowed_sources"));
  EXPECT_EQ(bare.running().relay.allowedSources, running_.relay.allowedSources);
}

// A route's media profile alone changing is a routes change (applied on reload).
TEST_F(ConfigReloaderTest, RouteMediaChangeIsARoutesChange) {
  auto r = reloader();
  write(
      "log: { level: info }\n"
      "sip: { listen: [udp://127.0.0.1:5060] }\n"
      "routes:\n"
      "  - { match: '^1', to: [sip:10.0.0.1:5060], media: { srtp: sdes } }\n");
  const auto outcome = r.reload();
  ASSERT_TRUE(outcome.ok) << outcome.error;
  EXPECT_EQ(outcome.changes.applied, std::vector<std::string>{"routes"});
  ASSERT_EQ(routesSeen_.size(), 1u);
  EXPECT_EQ(routesSeen_[0].srtp, "sdes");
}

}  // namespace
}  // namespace rtcgate::app
