#include "http/Histogram.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <thread>
#include <vector>

#include "http/MetricsRegistry.hpp"
#include "unit/http/JsonCheck.hpp"

namespace rtcgate::http {
namespace {

TEST(HistogramTest, CountsEachValueInTheFirstBucketWhoseBoundIsNotBelowIt) {
  Histogram histogram({0.1, 0.5, 1});
  for (const double value : {0.05, 0.1, 0.2, 0.5, 0.75, 3.0, -1.0}) histogram.observe(value);
  // le=0.1 holds 0.05, 0.1 and -1 (a bound is inclusive, as Prometheus' le says).
  EXPECT_EQ(histogram.cumulativeCount(0), 3u);
  EXPECT_EQ(histogram.cumulativeCount(1), 5u);
  EXPECT_EQ(histogram.cumulativeCount(2), 6u);
  EXPECT_EQ(histogram.cumulativeCount(3), 7u);  // +Inf
  EXPECT_EQ(histogram.cumulativeCount(99), 7u);
  EXPECT_EQ(histogram.count(), 7u);
  EXPECT_DOUBLE_EQ(histogram.sum(), 0.05 + 0.1 + 0.2 + 0.5 + 0.75 + 3.0 - 1.0);
}

TEST(HistogramTest, IgnoresNanButCountsInfinityInTheLastBucket) {
  Histogram histogram({1});
  histogram.observe(std::nan(""));
  EXPECT_EQ(histogram.count(), 0u);
  EXPECT_EQ(histogram.sum(), 0);
  histogram.observe(std::numeric_limits<double>::infinity());
  EXPECT_EQ(histogram.cumulativeCount(0), 0u);
  EXPECT_EQ(histogram.cumulativeCount(1), 1u);
}

TEST(HistogramTest, BoundHelpersAndChecks) {
  EXPECT_EQ(std::string(Histogram::checkBounds(Histogram::defaultSecondsBounds())), "");
  EXPECT_EQ(Histogram::exponentialBounds(0.01, 2, 4),
            (std::vector<double>{0.01, 0.02, 0.04, 0.08}));
  EXPECT_TRUE(Histogram::exponentialBounds(0, 2, 4).empty());
  EXPECT_TRUE(Histogram::exponentialBounds(1, 1, 4).empty());
  EXPECT_NE(std::string(Histogram::checkBounds({})), "");
  EXPECT_NE(std::string(Histogram::checkBounds({1, 1})), "");
  EXPECT_NE(std::string(Histogram::checkBounds({2, 1})), "");
  EXPECT_NE(std::string(Histogram::checkBounds({1, std::numeric_limits<double>::infinity()})), "");
  EXPECT_NE(std::string(Histogram::checkBounds({std::nan("")})), "");
}

TEST(HistogramTest, PrometheusExpositionIsCumulativeWithLeLastAndCountEqualToInf) {
  MetricsRegistry registry;
  Histogram& setup = registry.histogram("rtcgate_call_setup_seconds", "INVITE to 200 OK",
                                        {0.5, 2.5}, {{"transport", "wss"}});
  setup.observe(0.25);
  setup.observe(1);
  setup.observe(4);
  EXPECT_EQ(registry.renderPrometheus(),
            "# HELP rtcgate_call_setup_seconds INVITE to 200 OK\n"
            "# TYPE rtcgate_call_setup_seconds histogram\n"
            "rtcgate_call_setup_seconds_bucket{transport=\"wss\",le=\"0.5\"} 1\n"
            "rtcgate_call_setup_seconds_bucket{transport=\"wss\",le=\"2.5\"} 2\n"
            "rtcgate_call_setup_seconds_bucket{transport=\"wss\",le=\"+Inf\"} 3\n"
            "rtcgate_call_setup_seconds_sum{transport=\"wss\"} 5.25\n"
            "rtcgate_call_setup_seconds_count{transport=\"wss\"} 3\n");
}

TEST(HistogramTest, UnlabelledHistogramAndOtherFamiliesRenderTogether) {
  MetricsRegistry registry;
  std::uint64_t requests = 2;
  ASSERT_TRUE(registry.addCounter("req_total", "requests", {}, &requests));
  Histogram external({1});
  ASSERT_TRUE(registry.addHistogram("latency_seconds", "latency", {}, external));
  external.observe(0.5);
  const std::string text = registry.renderPrometheus();
  EXPECT_NE(text.find("req_total 2\n# HELP latency_seconds latency\n"), std::string::npos) << text;
  EXPECT_NE(text.find("latency_seconds_bucket{le=\"1\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("latency_seconds_bucket{le=\"+Inf\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("latency_seconds_sum 0.5\nlatency_seconds_count 1\n"), std::string::npos);
}

TEST(HistogramTest, JsonHasCountSumAndCumulativeBuckets) {
  MetricsRegistry registry;
  Histogram& h = registry.histogram("h_seconds", "h", {1, 2});
  h.observe(1.5);
  h.observe(0.5);
  const std::string json = registry.renderJson();
  EXPECT_TRUE(testing::JsonCheck::valid(json)) << json;
  EXPECT_EQ(json,
            R"({"h_seconds":{"type":"histogram","help":"h","samples":[{"labels":{},"count":2,)"
            R"("sum":2,"buckets":[{"le":"1","count":1},{"le":"2","count":2},)"
            R"({"le":"+Inf","count":2}]}]}})");
}

TEST(HistogramTest, RefusesDeclarationsPrometheusCouldNotRepresent) {
  MetricsRegistry registry;
  Histogram ok({1});
  Histogram empty({});
  Histogram unsorted({2, 1});
  EXPECT_FALSE(registry.addHistogram("a_seconds", "h", {}, empty));
  EXPECT_FALSE(registry.addHistogram("a_seconds", "h", {}, unsorted));
  EXPECT_FALSE(registry.addHistogram("a_seconds", "h", {{"le", "1"}}, ok));
  EXPECT_FALSE(registry.addHistogram("a_count", "h", {}, ok));
  EXPECT_FALSE(registry.addHistogram("a_sum", "h", {}, ok));
  EXPECT_FALSE(registry.addHistogram("a_bucket", "h", {}, ok));
  EXPECT_FALSE(registry.addHistogram("bad-name", "h", {}, ok));
  EXPECT_FALSE(registry.add(MetricType::Histogram, "a_seconds", "h", {}, [] { return 1.0; }));
  EXPECT_TRUE(registry.families().empty());

  ASSERT_TRUE(registry.addGauge("g", "h", {}, [] { return 1.0; }));
  EXPECT_FALSE(registry.addHistogram("g", "h", {{"x", "1"}}, ok));  // type clash
  ASSERT_TRUE(registry.addHistogram("a_seconds", "h", {{"x", "1"}}, ok));
  EXPECT_FALSE(registry.addHistogram("a_seconds", "h", {{"x", "1"}}, ok));  // same labels
  EXPECT_THROW(registry.histogram("b_seconds", "h", {3, 2}), std::invalid_argument);
  EXPECT_EQ(registry.families().size(), 2u);
}

TEST(HistogramTest, OwnedHistogramsStayValidAsMoreAreDeclared) {
  MetricsRegistry registry;
  Histogram& first = registry.histogram("h0_seconds", "h", {1});
  for (int i = 1; i < 200; ++i) registry.histogram("h" + std::to_string(i) + "_seconds", "h", {1});
  first.observe(0.5);
  EXPECT_NE(registry.renderPrometheus().find("h0_seconds_count 1\n"), std::string::npos);
}

TEST(HistogramTest, ObservationsFromWorkerThreadsAreAllCountedWhileScraping) {
  MetricsRegistry registry;
  Histogram& h = registry.histogram("w_seconds", "h", {0.5});
  constexpr int kThreads = 4;
  constexpr int kEach = 20000;
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&h, t] {
      for (int i = 0; i < kEach; ++i) h.observe(t % 2 == 0 ? 0.25 : 1.0);
    });
  }
  for (int i = 0; i < 50; ++i) {
    const std::string text = registry.renderPrometheus();
    ASSERT_NE(text.find("w_seconds_bucket{le=\"+Inf\"}"), std::string::npos);
  }
  for (auto& worker : workers) worker.join();
  EXPECT_EQ(h.count(), static_cast<std::uint64_t>(kThreads * kEach));
  EXPECT_EQ(h.cumulativeCount(0), static_cast<std::uint64_t>(kThreads / 2 * kEach));
  EXPECT_DOUBLE_EQ(h.sum(), kThreads / 2 * kEach * 0.25 + kThreads / 2 * kEach * 1.0);
}

}  // namespace
}  // namespace rtcgate::http
