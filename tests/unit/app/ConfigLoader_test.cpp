#include "app/ConfigLoader.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "app/RelayCommand.hpp"
#include "app/SecretFileWarnings.hpp"

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

// sipp and phones read the first challenge, JsSIP and SIP.js the last: by default each gets the
// order that makes it pick SHA-256 when it can, MD5 otherwise.
TEST(ConfigLoader, AuthAlgorithmsPerTransport) {
  const auto defaults = loadConfigText("", "t.yaml");
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults.config.sip.authAlgorithmsSip, (std::vector<std::string>{"md5", "sha-256"}));
  EXPECT_EQ(defaults.config.sip.authAlgorithmsWs, (std::vector<std::string>{"sha-256", "md5"}));

  const auto both = loadConfigText("sip: { auth_algorithms: [SHA-256] }\n", "t.yaml");
  ASSERT_TRUE(both.ok()) << both.errors.front();
  EXPECT_EQ(both.config.sip.authAlgorithmsSip, std::vector<std::string>{"sha-256"});
  EXPECT_EQ(both.config.sip.authAlgorithmsWs, std::vector<std::string>{"sha-256"});

  const auto each = loadConfigText(
      "sip: { auth_algorithms_sip: [sha-256, md5], auth_algorithms_ws: [md5] }\n", "t.yaml");
  ASSERT_TRUE(each.ok()) << each.errors.front();
  EXPECT_EQ(each.config.sip.authAlgorithmsSip, (std::vector<std::string>{"sha-256", "md5"}));
  EXPECT_EQ(each.config.sip.authAlgorithmsWs, std::vector<std::string>{"md5"});
}

TEST(ConfigLoader, AuthAlgorithmErrorsNameTheKey) {
  EXPECT_TRUE(hasError(loadConfigText("sip: { auth_algorithms_ws: [md5, sha-1] }\n", "t.yaml"),
                       "sip.auth_algorithms_ws[1]: expected sha-256 or md5, got 'sha-1'"));
  EXPECT_TRUE(hasError(loadConfigText("sip: { auth_algorithms_sip: [] }\n", "t.yaml"),
                       "sip.auth_algorithms_sip: at least one is needed"));
  EXPECT_TRUE(hasError(loadConfigText("sip: { auth_algorithms: [md4] }\n", "t.yaml"),
                       "sip.auth_algorithms[0]: expected sha-256 or md5, got 'md4'"));
  EXPECT_TRUE(hasError(
      loadConfigText("sip: { auth_algorithms: [md5], auth_algorithms_ws: [md5] }\n", "t.yaml"),
      "sip.auth_algorithms: sets the order for every transport"));
}

// A key that is a list or a mapping threw out of the loader (fuzz/app/ConfigYaml): `rtcgate check`
// died on it and a reload of such a file ended the running gateway.
TEST(ConfigLoader, KeysThatAreNotWordsAreErrorsNotExceptions) {
  const auto nested = loadConfigText("http: { [gw.example.com]: x }\n", "t.yaml");
  EXPECT_TRUE(hasError(nested, "http: expected plain words as keys"));
  const auto top = loadConfigText("? { a: b }\n: c\nlog: { level: debug }\n", "t.yaml");
  EXPECT_TRUE(hasError(top, "(top level): expected plain words as keys"));
  EXPECT_EQ(top.config.log.level, "debug");
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

TEST(ConfigLoader, SecurityKeys) {
  const auto defaults = loadConfigText("", "t.yaml").config;
  EXPECT_FALSE(defaults.sip.allowDirectUri);
  EXPECT_EQ(defaults.tokenSecretPath(), "./rtcgate-data/token.key");
  EXPECT_TRUE(defaults.security.authBan.enabled);
  EXPECT_EQ(defaults.security.authBan.failures, 10u);
  EXPECT_EQ(defaults.security.maxUnauthenticatedCallsPerSource, 100u);
  EXPECT_EQ(defaults.sip.maxConnections, 100000u);
  EXPECT_EQ(defaults.sip.maxSendQueue, 1048576u);
  EXPECT_EQ(defaults.sip.udpBuffer, 4194304u);
  const auto result = loadConfigText(R"(
sip: { allow_direct_uri: true, token_secret_file: /etc/rtcgate/token, max_connections: 500,
       max_send_queue: 131072, udp_buffer: 1048576 }
security:
  auth_ban: { enabled: false, failures: 3, user_failures: 7, window: 30, ban_time: 90 }
  rate_limit: { requests_per_second: 0, burst: 5 }
  max_transactions: 100
  max_dialogs: 50
  max_unauthenticated_calls_per_source: 0
)",
                                     "t.yaml");
  ASSERT_TRUE(result.ok()) << result.errors.front();
  const auto& c = result.config;
  EXPECT_TRUE(c.sip.allowDirectUri);
  EXPECT_EQ(c.tokenSecretPath(), "/etc/rtcgate/token");
  EXPECT_FALSE(c.security.authBan.enabled);
  EXPECT_EQ(c.security.authBan.failures, 3u);
  EXPECT_EQ(c.security.authBan.userFailures, 7u);
  EXPECT_EQ(c.security.authBan.window, 30u);
  EXPECT_EQ(c.security.authBan.banTime, 90u);
  EXPECT_EQ(c.security.rateLimit.requestsPerSecond, 0u);
  EXPECT_EQ(c.security.rateLimit.burst, 5u);
  EXPECT_EQ(c.security.maxTransactions, 100u);
  EXPECT_EQ(c.security.maxDialogs, 50u);
  EXPECT_EQ(c.security.maxUnauthenticatedCallsPerSource, 0u);
  EXPECT_EQ(c.sip.maxConnections, 500u);
  EXPECT_EQ(c.sip.maxSendQueue, 131072u);
  EXPECT_EQ(c.sip.udpBuffer, 1048576u);
  const auto bad = loadConfigText("security: { auth_ban: { failures: 0, bantime: 1 } }", "t.yaml");
  EXPECT_TRUE(
      hasError(loadConfigText("sip: { max_send_queue: 1000 }", "t.yaml"), "sip.max_send_queue"));
  EXPECT_TRUE(hasError(loadConfigText("sip: { udp_buffer: 1000 }", "t.yaml"), "sip.udp_buffer"));
  EXPECT_TRUE(hasError(bad, "security.auth_ban.failures"));
  EXPECT_TRUE(hasError(bad, "security.auth_ban.bantime: unknown key"));
}

TEST(ConfigLoader, SessionTimerKeys) {
  auto result = loadConfigText("", "test.yaml");
  EXPECT_EQ(result.config.calls.minSessionExpires, 90u);
  EXPECT_EQ(result.config.calls.sessionExpires, 0u);
  EXPECT_TRUE(configWarnings(result.config).empty());
  result = loadConfigText("calls: { min_session_expires: 120, session_expires: 1800 }", "t.yaml");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.config.calls.minSessionExpires, 120u);
  EXPECT_EQ(result.config.calls.sessionExpires, 1800u);
  // Below RFC 4028's floor: accepted, with a warning naming the key.
  result = loadConfigText("calls: { min_session_expires: 5 }", "t.yaml");
  ASSERT_TRUE(result.ok());
  const auto warnings = configWarnings(result.config);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("calls.min_session_expires: 5"), std::string::npos);
  result = loadConfigText("calls: { min_session_expires: 120, session_expires: 100 }", "t.yaml");
  EXPECT_TRUE(hasError(result, "calls.session_expires: must be 0 or at least"));
  result = loadConfigText("calls: { min_session_expires: 0 }", "t.yaml");
  EXPECT_TRUE(hasError(result, "calls.min_session_expires: expected a whole number"));
}

TEST(ConfigLoader, DtmfModes) {
  auto result = loadConfigText("", "test.yaml");
  EXPECT_EQ(result.config.calls.dtmf, "auto");
  result = loadConfigText(
      "calls: { dtmf: info }\n"
      "routes: [ { match: '^9', to: [ 'sip:pbx.example.com' ], dtmf: rfc4733 } ]",
      "t.yaml");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.config.calls.dtmf, "info");
  EXPECT_EQ(result.config.routes.at(0).dtmf, "rfc4733");
  result = loadConfigText("calls: { dtmf: inband }", "t.yaml");
  EXPECT_TRUE(hasError(result, "calls.dtmf: expected auto, rfc4733 or info, got 'inband'"));
  result = loadConfigText("routes: [ { match: '^9', to: [ 'sip:pbx.example.com' ], dtmf: x } ]",
                          "t.yaml");
  EXPECT_TRUE(hasError(result, "routes[0].dtmf: expected auto, rfc4733 or info, got 'x'"));
}

TEST(ConfigLoader, NatKeepAliveKeys) {
  auto result = loadConfigText("", "test.yaml");
  const auto& defaults = result.config.nat.keepalive;
  EXPECT_EQ(defaults.interval, 30u);
  EXPECT_EQ(defaults.method, "options");
  EXPECT_EQ(defaults.maxMissed, 3u);
  result =
      loadConfigText("nat: { keepalive: { interval: 0, method: crlf, max_missed: 5 } }", "t.yaml");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.config.nat.keepalive.interval, 0u);
  EXPECT_EQ(result.config.nat.keepalive.method, "crlf");
  EXPECT_EQ(result.config.nat.keepalive.maxMissed, 5u);
  result = loadConfigText("nat: { keepalive: { method: sip } }", "t.yaml");
  EXPECT_TRUE(hasError(result, "nat.keepalive.method: expected options or crlf, got 'sip'"));
  result = loadConfigText("nat: { keepalive: { interval: 7200 } }", "t.yaml");
  EXPECT_TRUE(hasError(result, "nat.keepalive.interval"));
  result = loadConfigText("nat: { keepalive: { every: 3 } }", "t.yaml");
  EXPECT_TRUE(hasError(result, "nat.keepalive.every: unknown key"));
  result = loadConfigText("nat: { pinger: 1 }", "t.yaml");
  EXPECT_TRUE(hasError(result, "nat.pinger: unknown key"));
}

TEST(ConfigLoader, DnsKeys) {
  auto result = loadConfigText("", "t.yaml");
  EXPECT_TRUE(result.config.dns.servers.empty());
  EXPECT_EQ(result.config.dns.timeoutMs, 2000u);
  EXPECT_EQ(result.config.dns.attempts, 2u);
  EXPECT_EQ(result.config.dns.blacklistSeconds, 60u);
  EXPECT_EQ(result.config.sip.failoverTimeout, 5u);
  result = loadConfigText(
      "sip: { failover_timeout: 0 }\n"
      "dns: { servers: [192.0.2.53, '[2001:db8::53]:5353'], timeout_ms: 500, attempts: 1,"
      " blacklist_seconds: 0 }",
      "t.yaml");
  ASSERT_TRUE(result.ok()) << result.errors.front();
  EXPECT_EQ(result.config.dns.servers,
            (std::vector<std::string>{"192.0.2.53", "[2001:db8::53]:5353"}));
  EXPECT_EQ(result.config.dns.timeoutMs, 500u);
  EXPECT_EQ(result.config.sip.failoverTimeout, 0u);
  result = loadConfigText("dns: { servers: [ns1.example.com] }", "t.yaml");
  EXPECT_TRUE(hasError(result,
                       "dns.servers[0]: expected an IP address with an optional port, "
                       "got 'ns1.example.com'"));
  result = loadConfigText("dns: { servers: ['192.0.2.53:0'] }", "t.yaml");
  EXPECT_TRUE(hasError(result, "dns.servers[0]"));
  result = loadConfigText("dns: { timeout_ms: 10 }", "t.yaml");
  EXPECT_TRUE(hasError(result, "dns.timeout_ms"));
  result = loadConfigText("dns: { search: [example.com] }", "t.yaml");
  EXPECT_TRUE(hasError(result, "dns.search: unknown key"));
}

TEST(ConfigLoader, TrunksAndRoutesToThem) {
  auto result = loadConfigText(R"(
trunks:
  - name: carrier
    address: sip:sip.carrier.example;transport=tcp
    username: acme
    password: secret
    register: { expires: 300 }
    from_user: "+15551230000"
    inbound:
      sources: [198.51.100.0/24]
      dids: { "acme": alice, "+15551230000": [alice, bob] }
    options_ping: 30
  - { name: pbx, address: ["sip:10.0.0.5", "sip:10.0.0.6:5080"] }
routes:
  - { match: '^\+?[0-9]{7,15}$', trunk: carrier, strip: 1, prefix: "+44" }
  - { match: '^9', to: [sip:10.0.0.9], options_ping: 15 }
)",
                               "t.yaml");
  ASSERT_TRUE(result.ok()) << result.errors.front();
  ASSERT_EQ(result.config.trunks.size(), 2u);
  const auto& trunk = result.config.trunks[0];
  EXPECT_EQ(trunk.addresses, std::vector<std::string>{"sip:sip.carrier.example;transport=tcp"});
  EXPECT_EQ(trunk.registerExpires, 300u);
  EXPECT_EQ(trunk.fromUser, "+15551230000");
  EXPECT_EQ(trunk.sources, std::vector<std::string>{"198.51.100.0/24"});
  ASSERT_EQ(trunk.dids.size(), 2u);
  EXPECT_EQ(trunk.dids[0].first, "acme");
  EXPECT_EQ(trunk.dids[0].second, std::vector<std::string>{"alice"});
  EXPECT_EQ(trunk.dids[1].second, (std::vector<std::string>{"alice", "bob"}));
  EXPECT_EQ(trunk.optionsPing, 30u);
  EXPECT_EQ(result.config.trunks[1].registerExpires, 0u);
  EXPECT_EQ(result.config.trunks[1].addresses.size(), 2u);
  ASSERT_EQ(result.config.routes.size(), 2u);
  EXPECT_EQ(result.config.routes[1].optionsPing, 15u);
  EXPECT_EQ(result.config.routes[0].trunk, "carrier");
  EXPECT_EQ(result.config.routes[0].strip, 1u);
  EXPECT_EQ(result.config.routes[0].prefix, "+44");
}

TEST(ConfigLoader, TrunkMistakesNameTheKey) {
  auto result = loadConfigText(R"(
trunks:
  - { name: a, address: "10.0.0.5", register: { expires: 300 } }
  - { name: a, address: "sip:10.0.0.6", inbound: { sources: [not-an-address] },
      media: { interface: nowhere } }
routes:
  - { match: "^9", trunk: nowhere }
  - { match: "^8", trunk: a, to: "sip:10.0.0.7" }
  - { match: "^7", trunk: a, prefix: "sip:evil@" }
)",
                               "t.yaml");
  EXPECT_TRUE(hasError(
      result, "trunks[0].address: expected a sip: URI (or {uri, weight}), got '10.0.0.5'"));
  EXPECT_TRUE(hasError(result, "trunks[0].register: registering needs a username"));
  EXPECT_TRUE(hasError(result, "trunks[1].name: 'a' is used twice"));
  EXPECT_TRUE(hasError(result, "trunks[1].inbound.sources[0]"));
  EXPECT_TRUE(hasError(result, "trunks[1].media.interface: no media interface named 'nowhere'"));
  EXPECT_TRUE(hasError(result, "routes[0].trunk: no trunk is named 'nowhere'"));
  EXPECT_TRUE(hasError(result, "routes[1]: give to or trunk, not both"));
  EXPECT_TRUE(hasError(result, "routes[2].prefix"));
}

TEST(ConfigLoader, WeightedTargetsShareCalls) {
  auto result = loadConfigText(R"(
trunks:
  - name: carrier
    address: [{ uri: "sip:10.0.0.5", weight: 3 }, { uri: "sip:10.0.0.6", weight: 1 }, sip:10.0.0.7]
    tls: { verify_peer: false }
  - { name: plain, address: sip:10.0.0.8 }
routes:
  - { match: '^9', to: [sip:10.0.0.9, { uri: sip:10.0.0.10, weight: 2 }] }
  - { match: '^8', to: [sip:10.0.0.11, sip:10.0.0.12] }
)",
                               "t.yaml");
  ASSERT_TRUE(result.ok()) << result.errors.front();
  const auto& carrier = result.config.trunks[0];
  EXPECT_EQ(carrier.addresses,
            (std::vector<std::string>{"sip:10.0.0.5", "sip:10.0.0.6", "sip:10.0.0.7"}));
  EXPECT_EQ(carrier.weights, (std::vector<std::uint32_t>{3, 1, 0}));
  EXPECT_FALSE(carrier.tlsVerify);
  EXPECT_TRUE(result.config.trunks[1].weights.empty());
  EXPECT_TRUE(result.config.trunks[1].tlsVerify);
  EXPECT_EQ(result.config.routes[0].weights, (std::vector<std::uint32_t>{0, 2}));
  EXPECT_TRUE(result.config.routes[1].weights.empty());

  result = loadConfigText(R"(
trunks:
  - { name: a, address: [{ uri: "sip:10.0.0.5", weight: 0 }], tls: { verify: no } }
routes:
  - { match: '^9', to: [{ uri: "10.0.0.9", weight: 1 }, { url: sip:10.0.0.10 }] }
  - { match: '^8', to: [{ uri: sip:10.0.0.9, weight: 5000 }] }
)",
                          "t.yaml");
  EXPECT_TRUE(hasError(
      result, "trunks[0].address: every weight is 0: at least one target must take calls"));
  EXPECT_TRUE(hasError(result, "trunks[0].tls.verify: unknown key"));
  EXPECT_TRUE(hasError(result,
                       "routes[0].to[0]: expected a sip: URI (or {uri, weight}), got "
                       "'10.0.0.9'"));
  EXPECT_TRUE(hasError(result, "routes[0].to[1].url: unknown key"));
  EXPECT_TRUE(hasError(result, "routes[1].to[0].weight: expected a whole number from 0 to 1000"));
}

TEST(ConfigLoader, TrunkPasswordFromAFile) {
  const auto result = loadConfigText(
      "trunks: [{ name: c, address: 'sip:10.0.0.5', username: u, password_file: /p }]", "t.yaml",
      [](const std::string& file, std::string&) -> std::optional<std::string> {
        return file == "/p" ? std::optional<std::string>("from-file") : std::nullopt;
      });
  ASSERT_TRUE(result.ok()) << result.errors.front();
  EXPECT_EQ(result.config.trunks[0].password, "from-file");
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

TEST(ConfigLoader, RelayPingIntervalAndMisses) {
  const auto defaults = loadConfigText("", "t.yaml").config.media;
  EXPECT_EQ(defaults.relayPingInterval, 5u);
  EXPECT_EQ(defaults.relayPingMisses, 1u);
  auto result = loadConfigText("media: { relay_ping_interval: 1, relay_ping_misses: 3 }", "t.yaml");
  ASSERT_TRUE(result.ok()) << result.errors.front();
  EXPECT_EQ(result.config.media.relayPingInterval, 1u);
  EXPECT_EQ(result.config.media.relayPingMisses, 3u);
  EXPECT_TRUE(hasError(loadConfigText("media: { relay_ping_interval: 0 }", "t.yaml"),
                       "media.relay_ping_interval: expected a whole number from 1 to 3600"));
  EXPECT_TRUE(hasError(loadConfigText("media: { relay_ping_misses: 0 }", "t.yaml"),
                       "media.relay_ping_misses"));
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

// The keys of docs/security.md: secrets from files, allowed hosts and origins, ng sources; and
// the warnings `rtcgate check` prints about readable secret files.
class TempDir {
 public:
  TempDir() {
    char name[] = "/tmp/rtcgate-config-XXXXXX";
    path_ = ::mkdtemp(name);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name, const std::string& content, mode_t mode) const {
    const std::string path = path_ + "/" + name;
    std::ofstream(path) << content;
    ::chmod(path.c_str(), mode);
    return path;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(ConfigSecurityKeys, Defaults) {
  const auto result = loadConfigText("", "test.yaml");
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result.config.http.allowedHosts.empty());
  EXPECT_TRUE(result.config.sip.wsAllowedOrigins.empty());
  EXPECT_EQ(result.config.relay.allowedSources, (std::vector<std::string>{"127.0.0.0/8", "::1"}));
}

TEST(ConfigSecurityKeys, TokenFromAFileWithoutItsNewline) {
  TempDir dir;
  const auto token = dir.file("token", "s3cret\n", 0600);
  const auto result = loadConfigText("http: { token_file: " + token + " }", "test.yaml");
  ASSERT_TRUE(result.ok()) << result.errors.front();
  EXPECT_EQ(result.config.http.token, "s3cret");
  EXPECT_EQ(result.config.http.tokenFile, token);
}

TEST(ConfigSecurityKeys, SecretFileErrorsNameTheKey) {
  TempDir dir;
  const auto missing = dir.path() + "/missing";
  EXPECT_TRUE(hasError(loadConfigText("http: { token_file: " + missing + " }", "t"),
                       "http.token_file: cannot read " + missing));
  const auto empty = dir.file("empty", "\n", 0600);
  EXPECT_TRUE(hasError(loadConfigText("http: { token_file: " + empty + " }", "t"),
                       "http.token_file: " + empty + " is empty"));
  const auto token = dir.file("token", "x", 0600);
  EXPECT_TRUE(hasError(loadConfigText("http: { token: a, token_file: " + token + " }", "t"),
                       "http.token_file: give token or token_file, not both"));
}

TEST(ConfigSecurityKeys, StoreUrlFromAFile) {
  TempDir dir;
  const auto url = dir.file("store", "sqlite:/tmp/x.db\n", 0600);
  const auto result = loadConfigText("store_file: " + url, "test.yaml");
  ASSERT_TRUE(result.ok()) << result.errors.front();
  EXPECT_EQ(result.config.store, "sqlite:/tmp/x.db");
}

TEST(ConfigSecurityKeys, AllowedHostsAndOriginsAreLowercased) {
  const auto result = loadConfigText(R"(
http: { allowed_hosts: [GW.Example.com, "gw.example.com:8088", "[::1]:8088"] }
sip: { ws_allowed_origins: [HTTPS://App.Example.com/, "http://localhost:3000"] }
)",
                                     "test.yaml");
  ASSERT_TRUE(result.ok()) << result.errors.front();
  EXPECT_EQ(result.config.http.allowedHosts,
            (std::vector<std::string>{"gw.example.com", "gw.example.com:8088", "[::1]:8088"}));
  EXPECT_EQ(result.config.sip.wsAllowedOrigins,
            (std::vector<std::string>{"https://app.example.com", "http://localhost:3000"}));
}

TEST(ConfigSecurityKeys, BadHostsOriginsAndSourcesAreErrors) {
  EXPECT_TRUE(hasError(loadConfigText("http: { allowed_hosts: [\"http://x/\"] }", "t"),
                       "http.allowed_hosts[0]"));
  EXPECT_TRUE(hasError(loadConfigText("sip: { ws_allowed_origins: [app.example.com] }", "t"),
                       "sip.ws_allowed_origins[0]"));
  EXPECT_TRUE(hasError(loadConfigText("sip: { ws_allowed_origins: [\"https://a/b\"] }", "t"),
                       "sip.ws_allowed_origins[0]"));
  EXPECT_TRUE(hasError(loadConfigText("relay: { allowed_sources: [10.0.0.0/33] }", "t"),
                       "relay.allowed_sources[0]"));
  EXPECT_TRUE(hasError(loadConfigText("relay: { allowed_sources: [example.com] }", "t"),
                       "relay.allowed_sources[0]"));
  const auto ok =
      loadConfigText("relay: { allowed_sources: [10.0.0.0/24, \"2001:db8::/32\"] }", "t");
  EXPECT_TRUE(ok.ok());
}

TEST(ConfigSecurityKeys, ReadableSecretFilesAreReported) {
  TempDir dir;
  const auto token = dir.file("token", "s3cret", 0644);
  const auto config = dir.file("rtcgate.yaml", "", 0644);
  auto loaded = loadConfigText(
      "node: { data_dir: " + dir.path() + " }\nhttp: { token_file: " + token + " }", config);
  ASSERT_TRUE(loaded.ok()) << loaded.errors.front();
  ::chmod(dir.path().c_str(), 0700);
  auto warnings = exposedSecretFiles(loaded.config, config);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("http.token_file: " + token), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[0].find("mode 0644"), std::string::npos) << warnings[0];
  ::chmod(token.c_str(), 0600);
  EXPECT_TRUE(exposedSecretFiles(loaded.config, config).empty());
  // An inline token makes the configuration file itself a secret.
  loaded.config.http.tokenFile.clear();
  warnings = exposedSecretFiles(loaded.config, config);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("the configuration"), std::string::npos) << warnings[0];
}

}  // namespace
}  // namespace rtcgate::app

namespace rtcgate::app {
namespace {

TEST(ConfigLoaderSecurity, MaxStreamsPerOfferDefaultsTo8AndIsBounded) {
  EXPECT_EQ(loadConfigText("", "t.yaml").config.media.maxStreamsPerOffer, 8u);
  const auto set = loadConfigText("media: { max_streams_per_offer: 3 }\n", "t.yaml");
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set.config.media.maxStreamsPerOffer, 3u);
  EXPECT_TRUE(hasError(loadConfigText("media: { max_streams_per_offer: 0 }\n", "t.yaml"),
                       "media.max_streams_per_offer"));
  EXPECT_TRUE(hasError(loadConfigText("media: { max_streams_per_offer: 1000 }\n", "t.yaml"),
                       "media.max_streams_per_offer"));
}

TEST(ConfigLoaderSecurity, RoutePatternsAreRe2) {
  EXPECT_TRUE(
      loadConfigText("routes: [ { match: '^\\+?[0-9]{3,15}$', to: [sip:10.0.0.5] } ]\n", "t.yaml")
          .ok());
  // Backreferences need a backtracking engine: refused with the key path, not accepted silently.
  EXPECT_TRUE(
      hasError(loadConfigText("routes: [ { match: '^(1)\\1$', to: [sip:10.0.0.5] } ]\n", "t.yaml"),
               "routes[0].match: not a valid regular expression (RE2 syntax)"));
}

TEST(ConfigLoader, MediaInterfacesAndRouteInterface) {
  const auto result = loadConfigText(R"(
media:
  interfaces:
    - { name: public, bind: 203.0.113.10 }
    - { name: carrier, bind: "fd00::10", advertise: "fd00::99" }
routes:
  - { match: '^9', to: [sip:10.0.0.5:5060], media: { interface: carrier } }
)",
                                     "t.yaml");
  ASSERT_TRUE(result.ok()) << result.errors.front();
  ASSERT_EQ(result.config.media.interfaces.size(), 2u);
  EXPECT_EQ(result.config.media.interfaces[0], (MediaInterface{"public", "203.0.113.10", ""}));
  EXPECT_EQ(result.config.media.interfaces[1], (MediaInterface{"carrier", "fd00::10", "fd00::99"}));
  EXPECT_EQ(result.config.routes[0].mediaInterface, "carrier");
  // The shorthand is one interface named "default".
  EXPECT_TRUE(loadConfigText("media: { bind: 127.0.0.1 }\nroutes: [{ match: '^9', to: "
                             "[sip:10.0.0.5], media: { interface: default } }]",
                             "t.yaml")
                  .ok());
}

TEST(ConfigLoader, MediaInterfaceErrorsNameTheKey) {
  const auto result = loadConfigText(R"(
media:
  bind: 127.0.0.1
  interfaces:
    - { name: a, bind: 10.0.0.1 }
    - { name: a, bind: 10.0.0.2 }
    - { name: b, bind: 10.0.0.1 }
    - { name: c, bind: eth0 }
    - { name: d, bind: 0.0.0.0 }
    - { bind: 10.0.0.9, advertise: gw.example }
routes:
  - { match: '^9', to: [sip:10.0.0.5], media: { interface: dmz } }
)",
                                     "t.yaml");
  EXPECT_TRUE(hasError(result, "media.interfaces: give either media.interfaces or media.bind"));
  EXPECT_TRUE(hasError(result, "media.interfaces[1].name: 'a' is used by another interface"));
  EXPECT_TRUE(hasError(result, "media.interfaces[2].bind: 10.0.0.1 is bound by another"));
  EXPECT_TRUE(hasError(result, "media.interfaces[3].bind: expected an IP address, got 'eth0'"));
  EXPECT_TRUE(hasError(result, "media.interfaces[4].advertise: needed"));
  EXPECT_TRUE(hasError(result, "media.interfaces[5].name: a name is needed"));
  EXPECT_TRUE(hasError(result, "media.interfaces[5].advertise: expected an IP address"));
  EXPECT_TRUE(hasError(result, "routes[0].media.interface: no media interface named 'dmz'"));
  // An ng relay's interfaces are its own: the name is passed on unchecked.
  EXPECT_TRUE(loadConfigText("media: { relay: [udp://127.0.0.1:22222] }\nroutes: [{ match: '^9', "
                             "to: [sip:10.0.0.5], media: { interface: dmz } }]",
                             "t.yaml")
                  .ok());
}

TEST(ConfigWebRtcKeys, DefaultsHandOutNothing) {
  const auto result = loadConfigText("", "test.yaml");
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result.config.webrtc.iceServers.empty());
  EXPECT_TRUE(result.config.webrtc.turnSecret.empty());
  EXPECT_EQ(result.config.webrtc.turnTtl, 86400u);
}

TEST(ConfigWebRtcKeys, IceServersTurnSecretAndTtl) {
  TempDir dir;
  const auto secret = dir.file("turn.secret", "north-wind-secret\n", 0600);
  const auto result = loadConfigText(R"(
webrtc:
  ice_servers: ["stun:turn.example.com", "turn:turn.example.com:3478?transport=udp",
                "turns:turn.example.com:5349?transport=tcp", "turn:[2001:db8::1]"]
  turn_secret_file: )" + secret + R"(
  turn_ttl: 3600
)",
                                     "test.yaml");
  ASSERT_TRUE(result.ok()) << result.errors.front();
  EXPECT_EQ(result.config.webrtc.iceServers.size(), 4u);
  EXPECT_EQ(result.config.webrtc.turnSecret, "north-wind-secret");
  EXPECT_EQ(result.config.webrtc.turnSecretFile, secret);
  EXPECT_EQ(result.config.webrtc.turnTtl, 3600u);
}

TEST(ConfigWebRtcKeys, BadUrlsNameTheirIndex) {
  for (const char* url : {"http://turn.example.com", "turn://turn.example.com",
                          "turn:", "turn:host?transport=sctp", "stun:host?transport=udp",
                          "turn:host:0", "turn:host:99999", "turn:host?foo=bar", "turn:ho st"}) {
    const auto result =
        loadConfigText(std::string("webrtc: { ice_servers: [ok.example, \"") + url + "\"] }", "t");
    EXPECT_TRUE(hasError(result, "webrtc.ice_servers[1]: ")) << url;
    EXPECT_TRUE(hasError(result, "webrtc.ice_servers[0]: ")) << "ok.example has no scheme";
  }
}

TEST(ConfigWebRtcKeys, SecretFileErrorsNameTheKey) {
  TempDir dir;
  const auto missing = dir.path() + "/missing";
  EXPECT_TRUE(
      hasError(loadConfigText(
                   "webrtc: { ice_servers: [\"turn:a\"], turn_secret_file: " + missing + " }", "t"),
               "webrtc.turn_secret_file: cannot read " + missing));
  const auto secret = dir.file("turn.secret", "x", 0600);
  EXPECT_TRUE(
      hasError(loadConfigText(
                   "webrtc: { ice_servers: [\"stun:a\"], turn_secret_file: " + secret + " }", "t"),
               "webrtc.turn_secret_file: a TURN secret needs at least one turn:"));
  EXPECT_TRUE(hasError(loadConfigText("webrtc: { turn_ttl: 10 }", "t"), "webrtc.turn_ttl"));
  EXPECT_TRUE(hasError(loadConfigText("webrtc: { turn_secret: x }", "t"),
                       "webrtc.turn_secret: unknown key"));
}

TEST(ConfigWebRtcKeys, ReadableTurnSecretIsReported) {
  TempDir dir;
  ::chmod(dir.path().c_str(), 0700);
  const auto secret = dir.file("turn.secret", "x", 0644);
  const auto loaded = loadConfigText("node: { data_dir: " + dir.path() +
                                         " }\nwebrtc: { ice_servers: [\"turn:a\"], "
                                         "turn_secret_file: " +
                                         secret + " }",
                                     dir.path() + "/none.yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.errors.front();
  const auto warnings = exposedSecretFiles(loaded.config, dir.path() + "/none.yaml");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("webrtc.turn_secret_file: " + secret), std::string::npos)
      << warnings[0];
}

}  // namespace
}  // namespace rtcgate::app
