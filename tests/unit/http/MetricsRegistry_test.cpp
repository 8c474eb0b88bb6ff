#include "http/MetricsRegistry.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "unit/http/JsonCheck.hpp"

namespace rtcgate::http {
namespace {

using testing::JsonCheck;

// Parses exposition text back the way a scraper would, checking the grammar on the way.
struct Scrape {
  std::map<std::string, std::string> help;
  std::map<std::string, std::string> type;
  std::map<std::string, double> samples;  // "name{labels}" exactly as written -> value
  std::string error;
};

Scrape parse(const std::string& text) {
  static const std::regex kHelp(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*))");
  static const std::regex kType(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge))");
  static const std::regex kSample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*")(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*")*\})? (\S+))");
  Scrape scrape;
  std::istringstream lines(text);
  std::string line;
  std::set<std::string> sampled;
  while (std::getline(lines, line)) {
    std::smatch m;
    if (std::regex_match(line, m, kHelp)) {
      if (sampled.count(m[1])) scrape.error = "HELP after samples of " + m[1].str();
      scrape.help[m[1]] = m[2];
    } else if (std::regex_match(line, m, kType)) {
      if (sampled.count(m[1]) || !scrape.help.count(m[1])) scrape.error = "TYPE misplaced";
      scrape.type[m[1]] = m[2];
    } else if (std::regex_match(line, m, kSample)) {
      if (!scrape.type.count(m[1])) scrape.error = "sample before TYPE: " + line;
      sampled.insert(m[1]);
      const std::string value = m[7];
      scrape.samples[m[1].str() + m[2].str()] = value == "NaN"    ? std::nan("")
                                                : value == "+Inf" ? HUGE_VAL
                                                : value == "-Inf" ? -HUGE_VAL
                                                                  : std::stod(value);
    } else {
      scrape.error = "bad line: " + line;
    }
  }
  return scrape;
}

TEST(MetricsRegistryTest, RendersCountersGaugesAndLabelsThatParseBack) {
  MetricsRegistry registry;
  std::uint64_t invites = 3;
  std::uint64_t registers = 12;
  double live = 2;
  ASSERT_TRUE(registry.addCounter("rtcgate_sip_requests_total", "SIP requests received",
                                  {{"method", "INVITE"}, {"transport", "udp"}}, &invites));
  ASSERT_TRUE(registry.addCounter("rtcgate_sip_requests_total", "SIP requests received",
                                  {{"method", "REGISTER"}, {"transport", "wss"}}, &registers));
  ASSERT_TRUE(registry.addGauge("rtcgate_dialogs", "Live dialogs", {}, [&] { return live; }));
  ASSERT_TRUE(registry.addGauge("rtcgate_relay_loss_ratio", "Loss ratio", {{"leg", "a"}},
                                [] { return 0.125; }));

  invites = 4;  // read at scrape time, not at declaration
  live = 7;
  const Scrape scrape = parse(registry.renderPrometheus());
  ASSERT_EQ(scrape.error, "");
  EXPECT_EQ(scrape.type.at("rtcgate_sip_requests_total"), "counter");
  EXPECT_EQ(scrape.type.at("rtcgate_dialogs"), "gauge");
  EXPECT_EQ(scrape.help.at("rtcgate_dialogs"), "Live dialogs");
  EXPECT_EQ(scrape.samples.at(R"(rtcgate_sip_requests_total{method="INVITE",transport="udp"})"), 4);
  EXPECT_EQ(scrape.samples.at(R"(rtcgate_sip_requests_total{method="REGISTER",transport="wss"})"),
            12);
  EXPECT_EQ(scrape.samples.at("rtcgate_dialogs"), 7);
  EXPECT_EQ(scrape.samples.at(R"(rtcgate_relay_loss_ratio{leg="a"})"), 0.125);
  EXPECT_EQ(scrape.samples.size(), 4u);
  // One HELP/TYPE pair per family even with several series.
  const std::string text = registry.renderPrometheus();
  EXPECT_EQ(text.find("# TYPE rtcgate_sip_requests_total"),
            text.rfind("# TYPE rtcgate_sip_requests_total"));
}

TEST(MetricsRegistryTest, EscapesHelpAndLabelValues) {
  MetricsRegistry registry;
  ASSERT_TRUE(registry.addGauge("g", "back\\slash\nnew \"quoted\"", {{"ua", "Ali\"ce\\Phone\nv2"}},
                                [] { return 1; }));
  const std::string text = registry.renderPrometheus();
  EXPECT_EQ(text,
            "# HELP g back\\\\slash\\nnew \"quoted\"\n"
            "# TYPE g gauge\n"
            "g{ua=\"Ali\\\"ce\\\\Phone\\nv2\"} 1\n");
  EXPECT_EQ(parse(text).error, "");
}

TEST(MetricsRegistryTest, RendersSpecialAndLargeValues) {
  MetricsRegistry registry;
  std::uint64_t big = 123456789012345ULL;
  ASSERT_TRUE(registry.addCounter("big_total", "big", {}, &big));
  ASSERT_TRUE(registry.addGauge("nan", "nan", {}, [] { return std::nan(""); }));
  ASSERT_TRUE(
      registry.addGauge("inf", "inf", {}, [] { return std::numeric_limits<double>::infinity(); }));
  const std::string text = registry.renderPrometheus();
  EXPECT_NE(text.find("big_total 123456789012345\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nnan NaN\n"), std::string::npos);
  EXPECT_NE(text.find("\ninf +Inf\n"), std::string::npos);
  const Scrape scrape = parse(text);
  EXPECT_EQ(scrape.error, "");
  EXPECT_TRUE(std::isnan(scrape.samples.at("nan")));

  const std::string json = registry.renderJson();
  EXPECT_TRUE(JsonCheck::valid(json)) << json;
  EXPECT_NE(json.find("\"value\":null"), std::string::npos);
}

TEST(MetricsRegistryTest, RefusesInvalidDeclarations) {
  MetricsRegistry registry;
  const auto one = [] { return 1.0; };
  EXPECT_FALSE(registry.addGauge("", "h", {}, one));
  EXPECT_FALSE(registry.addGauge("9lives", "h", {}, one));
  EXPECT_FALSE(registry.addGauge("has-dash", "h", {}, one));
  EXPECT_FALSE(registry.addGauge("ok", "h", {{"bad:label", "v"}}, one));
  EXPECT_FALSE(registry.addGauge("ok", "h", {{"__reserved", "v"}}, one));
  EXPECT_FALSE(registry.addGauge("ok", "h", {{"a", "1"}, {"a", "2"}}, one));
  EXPECT_FALSE(registry.addGauge("ok", "h", {}, nullptr));
  EXPECT_FALSE(
      registry.addCounter("ok_total", "h", {}, static_cast<const std::uint64_t*>(nullptr)));
  EXPECT_TRUE(registry.families().empty());

  ASSERT_TRUE(registry.addGauge("ns:ok", "h", {{"a", "1"}, {"b", "2"}}, one));
  const io::Status twice = registry.addGauge("ns:ok", "h", {{"b", "2"}, {"a", "1"}}, one);
  EXPECT_FALSE(twice);
  EXPECT_NE(twice.error().find("same labels"), std::string::npos);
  EXPECT_FALSE(registry.addCounter("ns:ok", "h", {{"a", "3"}}, one));
  EXPECT_FALSE(registry.addGauge("ns:ok", "other help", {{"a", "3"}}, one));
  EXPECT_TRUE(registry.addGauge("ns:ok", "h", {{"a", "3"}}, one));
  ASSERT_EQ(registry.families().size(), 1u);
  EXPECT_EQ(registry.families()[0].series.size(), 2u);
}

TEST(MetricsRegistryTest, JsonHasEveryFamilyWithTypeHelpAndSamples) {
  MetricsRegistry registry;
  std::uint64_t count = 5;
  ASSERT_TRUE(registry.addCounter("c_total", "a \"counter\"", {{"k", "v"}}, &count));
  ASSERT_TRUE(registry.addGauge("g", "gauge", {}, [] { return 2.5; }));
  const std::string json = registry.renderJson();
  EXPECT_TRUE(JsonCheck::valid(json)) << json;
  EXPECT_EQ(
      json,
      R"({"c_total":{"type":"counter","help":"a \"counter\"","samples":[{"labels":{"k":"v"},"value":5}]},)"
      R"("g":{"type":"gauge","help":"gauge","samples":[{"labels":{},"value":2.5}]}})");
  EXPECT_EQ(MetricsRegistry().renderJson(), "{}");
  EXPECT_EQ(MetricsRegistry().renderPrometheus(), "");
}

}  // namespace
}  // namespace rtcgate::http
