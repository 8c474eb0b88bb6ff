#include "app/ConfigLoader.hpp"

#include <gtest/gtest.h>

#include "app/RelayCommand.hpp"

namespace rtcgate::app {
namespace {

bool hasError(const ConfigLoadResult& result, const std::string& text) {
  for (const auto& error : result.errors) {
    if (error.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST(ConfigLoader, EmptyFileGivesTheDevelopmentDefaults) {
  const auto result = loadConfigText("", "test.yaml");
  ASSERT_TRUE(result.ok());
  const auto& c = result.config;
  ASSERT_EQ(c.sip.listen.size(), 4u);
  EXPECT_EQ(c.sip.listen[0].transport, sip::Transport::Udp);
  EXPECT_EQ(c.sip.listen[0].port, 5060);
  EXPECT_EQ(c.sip.listen[3].transport, sip::Transport::Wss);
  EXPECT_EQ(c.sip.listen[3].port, 8443);
  EXPECT_EQ(c.sip.domains, std::vector<std::string>{"localhost"});
  EXPECT_TRUE(c.sip.auth);
  EXPECT_EQ(c.sqlitePath(), "./rtcgate-data/rtcgate.db");
  EXPECT_EQ(c.media.portMin, 30000);
  EXPECT_EQ(c.media.portMax, 39999);
}

TEST(ConfigLoader, ReadsTheDesignExample) {
  const auto result = loadConfigText(R"(
node: { id: gw2, data_dir: /tmp/x }
sip:
  domains: [example.test]
  listen: [udp://127.0.0.1:5060, tls://127.0.0.1:5061, "wss://[::1]:8443"]
  advertise: 203.0.113.10
  auth: false
media: { relay: [udp://10.0.0.2:22222], ports: 20000-20999, advertise: 203.0.113.10 }
store: sqlite:/tmp/x/db.sqlite
http: { listen: 127.0.0.1:9000 }
routes:
  - { match: '^\+?[0-9]{3,15}$', to: [sip:10.0.0.5:5060, sip:10.0.0.6:5060] }
)",
                                     "test.yaml");
  ASSERT_TRUE(result.ok()) << result.errors.front();
  const auto& c = result.config;
  EXPECT_EQ(c.node.id, "gw2");
  EXPECT_FALSE(c.sip.auth);
  ASSERT_EQ(c.sip.listen.size(), 3u);
  EXPECT_EQ(c.sip.listen[2].host, "::1");
  EXPECT_EQ(c.sip.listen[2].transport, sip::Transport::Wss);
  EXPECT_EQ(c.media.portMin, 20000);
  EXPECT_EQ(c.sqlitePath(), "/tmp/x/db.sqlite");
  ASSERT_EQ(c.routes.size(), 1u);
  EXPECT_EQ(c.routes[0].to.size(), 2u);
}

TEST(ConfigLoader, UnknownKeysAreRejectedWithTheirPath) {
  const auto result = loadConfigText("sip:\n  listn: [udp://127.0.0.1:5060]\nfoo: 1\n", "t.yaml");
  EXPECT_TRUE(hasError(result, "sip.listn: unknown key"));
  EXPECT_TRUE(hasError(result, "foo: unknown key"));
}

TEST(ConfigLoader, BadValuesNameTheKey) {
  const auto result = loadConfigText(R"(
sip: { listen: [sctp://127.0.0.1:5060, udp://host.example:5060], auth: maybe }
media: { ports: 40000-30000, packet_io: kqueue }
log: { level: loud }
routes: [ { match: '([', to: [http://x] } ]
)",
                                     "t.yaml");
  EXPECT_TRUE(hasError(result, "sip.listen[0]: unknown transport 'sctp'"));
  EXPECT_TRUE(hasError(result, "sip.listen[1]: host must be a literal IP address"));
  EXPECT_TRUE(hasError(result, "sip.auth: expected true or false"));
  EXPECT_TRUE(hasError(result, "media.ports"));
  EXPECT_TRUE(hasError(result, "media.packet_io: expected auto, io_uring or epoll, got 'kqueue'"));
  EXPECT_TRUE(hasError(result, "log.level"));
  EXPECT_TRUE(hasError(result, "routes[0].match: not a valid regular expression"));
  EXPECT_TRUE(hasError(result, "routes[0].to[0]: expected a sip: URI"));
}

TEST(ConfigLoader, SyntaxErrorsGiveTheLine) {
  const auto result = loadConfigText("sip:\n  domains: [a\n", "bad.yaml");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.errors.front().rfind("bad.yaml:", 0), 0u);
}

}  // namespace
}  // namespace rtcgate::app

namespace rtcgate::app {
namespace {

TEST(ConfigLoader, EventsWebhooksAndRetries) {
  auto result = loadConfigText(
      "events: { webhooks: [http://127.0.0.1:9000/hook, 'http://[::1]:81/x'], retries: 3 }\n",
      "t.yaml");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.config.events.webhooks.size(), 2u);
  EXPECT_EQ(result.config.events.retries, 3u);
  EXPECT_EQ(loadConfigText("", "t.yaml").config.events.retries, 5u);

  result = loadConfigText("events: { webhooks: [ftp://x/, http://h:0/], retries: 99, x: 1 }\n",
                          "t.yaml");
  ASSERT_EQ(result.errors.size(), 4u);
  EXPECT_TRUE(hasError(result, "events.webhooks[0]: expected an http:// URL"));
  EXPECT_TRUE(hasError(result, "events.webhooks[1]: bad port"));
  EXPECT_TRUE(hasError(result, "events.retries: expected a whole number from 0 to 20"));
  EXPECT_TRUE(hasError(result, "events.x: unknown key"));
}

}  // namespace
}  // namespace rtcgate::app

namespace rtcgate::app {
namespace {

TEST(ConfigLoader, MediaPacketIo) {
  EXPECT_EQ(loadConfigText("", "t.yaml").config.media.packetIo, "auto");
  const auto result = loadConfigText("media: { packet_io: epoll }", "t.yaml");
  ASSERT_TRUE(result.ok()) << result.errors.front();
  EXPECT_EQ(result.config.media.packetIo, "epoll");
}

TEST(ConfigLoader, MediaLearningDelay) {
  EXPECT_EQ(loadConfigText("", "t.yaml").config.media.learningDelayMs, 1000u);
  auto result = loadConfigText("media: { learning_delay_ms: 0 }", "t.yaml");
  ASSERT_TRUE(result.ok()) << result.errors.front();
  EXPECT_EQ(result.config.media.learningDelayMs, 0u);
  EXPECT_EQ(relayOptions(result.config).learningDelay, Duration(0));
  result = loadConfigText("media: { learning_delay_ms: 60000 }", "t.yaml");
  EXPECT_TRUE(hasError(result, "media.learning_delay_ms: expected a whole number from 0 to 10000"));
}

TEST(ConfigLoader, RouteMediaSrtpPerTarget) {
  const auto result = loadConfigText(R"(
media: { sip_srtp: none }
routes:
  - { match: '^1', to: [sip:10.0.0.5:5060], media: { srtp: sdes } }
  - { match: '^2', to: [sip:10.0.0.6:5060], media: { srtp: none } }
  - { match: '^3', to: [sip:10.0.0.7:5060] }
  - { match: '^4', to: [sip:10.0.0.8:5060], media: { srtp: dtls } }
)",
                                     "t.yaml");
  ASSERT_TRUE(result.ok()) << result.errors.front();
  ASSERT_EQ(result.config.routes.size(), 4u);
  EXPECT_EQ(result.config.routes[0].srtp, "sdes");
  EXPECT_EQ(result.config.routes[1].srtp, "none");
  EXPECT_EQ(result.config.routes[2].srtp, "");  // media.sip_srtp applies
  EXPECT_EQ(result.config.routes[3].srtp, "dtls");
}

TEST(ConfigLoader, RouteMediaErrorsNameTheKey) {
  const auto result = loadConfigText(R"(
routes:
  - { match: '^1', to: [sip:10.0.0.5], media: { srtp: zrtp } }
  - { match: '^2', to: [sip:10.0.0.6], media: { srtp: sdes, ice: on } }
  - { match: '^3', to: [sip:10.0.0.7], media: sdes }
)",
                                     "t.yaml");
  EXPECT_TRUE(hasError(result, "routes[0].media.srtp: expected none, sdes or dtls, got 'zrtp'"));
  EXPECT_TRUE(hasError(result, "routes[1].media.ice: unknown key"));
  EXPECT_TRUE(hasError(result, "routes[2].media: expected a mapping"));
}

}  // namespace
}  // namespace rtcgate::app
