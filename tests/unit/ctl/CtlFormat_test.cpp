#include "ctl/CtlFormat.hpp"

#include <gtest/gtest.h>

#include "api/ApiRoutes.hpp"
#include "base/Version.hpp"
#include "http/MetricsRegistry.hpp"

namespace rtcgate::ctl {
namespace {

http::JsonValue json(const std::string& text) {
  auto parsed = http::JsonValue::parse(text);
  EXPECT_TRUE(parsed.ok()) << text;
  return parsed.ok() ? *parsed : http::JsonValue();
}

TEST(CtlFormatTest, Durations) {
  EXPECT_EQ(formatDuration(http::JsonValue(7.0)), "7s");
  EXPECT_EQ(formatDuration(http::JsonValue(65.0)), "1m 05s");
  EXPECT_EQ(formatDuration(http::JsonValue(3725.9)), "1h 02m 05s");
  EXPECT_EQ(formatDuration(http::JsonValue(0.0)), "0s");
  EXPECT_EQ(formatDuration(http::JsonValue("n/a")), "n/a");
  EXPECT_EQ(formatDuration(http::JsonValue(-1.0)), "-1");
  EXPECT_EQ(formatDuration(http::JsonValue()), "");
}

TEST(CtlFormatTest, HealthFromTheServersOwnJson) {
  const std::vector<api::HealthCheck> checks{
      {"listeners", api::HealthLevel::Healthy, "ok"},
      {"store", api::HealthLevel::Degraded, "2 store writes failed"}};
  EXPECT_EQ(formatHealth(json(api::healthJson(checks, 3725))),
            "status   degraded\n"
            "uptime   1h 02m 05s\n"
            "version  " +
                std::string(kVersion) +
                "\n"
                "\n"
                "CHECK      STATUS    REASON\n"
                "listeners  healthy   ok\n"
                "store      degraded  2 store writes failed\n");
  EXPECT_EQ(formatHealth(json(api::healthJson({}, 5))).find("CHECK"), std::string::npos);
}

TEST(CtlFormatTest, RegistrationsAsAnAlignedTable) {
  const std::vector<api::RegistrationInfo> list{
      {"sip:alice@example.com", "sip:alice@192.0.2.7:5062", "udp", "192.0.2.7:5062", 0, 287,
       "Linphone/5.2"},
      {"bob@localhost", "sip:bob@df7jal23ls0d.invalid;transport=ws", "wss", "127.0.0.1:40100", 4,
       3599, "JsSIP 3.10"}};
  EXPECT_EQ(formatRegistrations(json(api::registrationsJson(list, ""))),
            "AOR                    CONTACT                                    TRANSPORT  "
            "SOURCE           EXPIRES  USER AGENT\n"
            "sip:alice@example.com  sip:alice@192.0.2.7:5062                   udp        "
            "192.0.2.7:5062   4m 47s   Linphone/5.2\n"
            "bob@localhost          sip:bob@df7jal23ls0d.invalid;transport=ws  wss        "
            "127.0.0.1:40100  59m 59s  JsSIP 3.10\n");
  EXPECT_EQ(formatRegistrations(json(R"({"registrations":[]})")), "no registrations\n");
}

TEST(CtlFormatTest, StatsListEverySampleWithLabelsAndHistogramCountAndSum) {
  http::MetricsRegistry registry;
  std::uint64_t requests = 42;
  ASSERT_TRUE(registry.addCounter("rtcgate_sip_requests_received_total", "SIP requests received",
                                  {}, &requests));
  ASSERT_TRUE(registry.addGauge("rtcgate_connections_open", "open connections",
                                {{"transport", "wss"}}, [] { return 3.0; }));
  registry.histogram("rtcgate_call_setup_seconds", "setup", {1}).observe(0.5);
  EXPECT_EQ(formatStats(json("{\"metrics\":" + registry.renderJson() + "}")),
            "METRIC                               LABELS         VALUE\n"
            "rtcgate_sip_requests_received_total                 42\n"
            "rtcgate_connections_open             transport=wss  3\n"
            "rtcgate_call_setup_seconds_count                    1\n"
            "rtcgate_call_setup_seconds_sum                      0.5\n");
}

TEST(CtlFormatTest, CallsListAndOneCallWithItsMediaFlattened) {
  const auto calls = json(R"({"calls":[
      {"id":"c1","state":"confirmed","from":"sip:alice@localhost","to":"sip:bob@localhost",
       "start":"2026-11-26T17:00:00Z","answer":"2026-11-26T17:00:02Z","duration":75,
       "media":{"from_caller":{"codec":"opus"},"from_callee":{"codec":"PCMU"}}},
      {"id":"c22","state":"early","from":"alice","to":"100","start":"2026-11-26T17:01:00Z",
       "answer":null,"duration":3,"media":{"from_caller":{"codec":"PCMA"},
       "from_callee":{"codec":null}}}]})");
  EXPECT_EQ(formatCalls(calls),
            "ID   STATE      FROM                 TO                 START                 "
            "ANSWER                DURATION  CODEC\n"
            "c1   confirmed  sip:alice@localhost  sip:bob@localhost  2026-11-26T17:00:00Z  "
            "2026-11-26T17:00:02Z  1m 15s    opus/PCMU\n"
            "c22  early      alice                100                2026-11-26T17:01:00Z  "
            "                      3s        PCMA\n");
  EXPECT_EQ(formatCalls(json(R"({"calls":[]})")), "no calls\n");

  const std::string one =
      R"({"id":"c1","duration":75,"media":{"streams":[{"packets":10,"lost":0}],"codec":"opus"},"tags":[]})";
  const std::string expected =
      "FIELD                     VALUE\n"
      "id                        c1\n"
      "duration                  1m 15s\n"
      "media.streams[0].packets  10\n"
      "media.streams[0].lost     0\n"
      "media.codec               opus\n"
      "tags                      []\n";
  EXPECT_EQ(formatCall(json(one)), expected);
  EXPECT_EQ(formatCall(json("{\"call\":" + one + "}")), expected);  // wrapped form too
}

TEST(CtlFormatTest, ReloadSaysWhatWasAppliedAndWhatNeedsARestart) {
  EXPECT_EQ(
      formatReload(json(
          R"({"reloaded":true,"applied":["routes","log.level"],"needs_restart":["sip.listen"]})")),
      "configuration reloaded\n"
      "applied: routes, log.level\n"
      "needs restart: sip.listen\n");
  EXPECT_EQ(formatReload(json(R"({"reloaded":true,"applied":[],"needs_restart":[]})")),
            "configuration reloaded\nnothing changed\n");
}

}  // namespace
}  // namespace rtcgate::ctl
