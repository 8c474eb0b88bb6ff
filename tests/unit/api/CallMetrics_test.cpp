#include "api/CallMetrics.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "fakes/FakeTimers.hpp"

namespace rtcgate::api {
namespace {

using proxy::Dialog;

std::string scrape(const http::MetricsRegistry& metrics) { return metrics.renderPrometheus(); }

bool has(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

TEST(CallMetrics, LiveCallsByStateAndTotals) {
  http::MetricsRegistry metrics;
  rtcgate::testing::FakeTimers timers;
  proxy::DialogTracker dialogs{timers};
  CallMetrics calls;
  ASSERT_TRUE(calls.declare(metrics, dialogs));
  dialogs.create("a");  // trying: "ringing"
  dialogs.create("b").state = Dialog::State::Early;
  dialogs.create("c").state = Dialog::State::Confirmed;
  Dialog& held = dialogs.create("d");
  held.state = Dialog::State::Confirmed;
  held.onHold = true;
  dialogs.countAnswered();
  const auto text = scrape(metrics);
  EXPECT_TRUE(has(text, "# TYPE rtcgate_calls_live gauge")) << text;
  EXPECT_TRUE(has(text, R"(rtcgate_calls_live{state="ringing"} 1)")) << text;
  EXPECT_TRUE(has(text, R"(rtcgate_calls_live{state="early"} 1)"));
  EXPECT_TRUE(has(text, R"(rtcgate_calls_live{state="confirmed"} 1)"));
  EXPECT_TRUE(has(text, R"(rtcgate_calls_live{state="on-hold"} 1)"));
  EXPECT_TRUE(has(text, "rtcgate_calls_started_total 4"));
  EXPECT_TRUE(has(text, "rtcgate_calls_answered_total 1"));
  // Every end reason is there from the start, so rate() has a series before the first call.
  EXPECT_TRUE(has(text, R"(rtcgate_calls_ended_total{reason="media-timeout"} 0)"));
  EXPECT_TRUE(has(text, "rtcgate_call_setup_seconds_count 0"));
}

TEST(CallMetrics, AnsweredCallsFeedTheSetupHistogram) {
  http::MetricsRegistry metrics;
  rtcgate::testing::FakeTimers timers;
  proxy::DialogTracker dialogs{timers};
  CallMetrics calls;
  ASSERT_TRUE(calls.declare(metrics, dialogs));
  Dialog dialog;
  dialog.created = proxy::SystemTime{} + std::chrono::hours(1000);
  dialog.answered = dialog.created + std::chrono::milliseconds(1500);
  calls.onCallEvent(proxy::CallEvent::Ringing, dialog);
  calls.onCallEvent(proxy::CallEvent::Answered, dialog);
  ASSERT_NE(calls.setupHistogram(), nullptr);
  EXPECT_EQ(calls.setupHistogram()->count(), 1u);
  EXPECT_DOUBLE_EQ(calls.setupHistogram()->sum(), 1.5);
  const auto text = scrape(metrics);
  EXPECT_TRUE(has(text, R"(rtcgate_call_setup_seconds_bucket{le="1.28"} 0)")) << text;
  EXPECT_TRUE(has(text, R"(rtcgate_call_setup_seconds_bucket{le="2.56"} 1)")) << text;
  // A clock step backwards is not a negative set-up time; a call never answered is no sample.
  dialog.answered = dialog.created - std::chrono::seconds(1);
  calls.onCallEvent(proxy::CallEvent::Answered, dialog);
  EXPECT_EQ(calls.setupHistogram()->count(), 2u);
  EXPECT_DOUBLE_EQ(calls.setupHistogram()->sum(), 1.5);
  dialog.answered = {};
  calls.onCallEvent(proxy::CallEvent::Answered, dialog);
  EXPECT_EQ(calls.setupHistogram()->count(), 2u);
}

TEST(CallMetrics, EndReasonsAreABoundedSet) {
  http::MetricsRegistry metrics;
  rtcgate::testing::FakeTimers timers;
  proxy::DialogTracker dialogs{timers};
  CallMetrics calls;
  ASSERT_TRUE(calls.declare(metrics, dialogs));
  Dialog dialog;
  for (const char* reason : {"caller-bye", "caller-bye", "failed-503", "failed-403",
                             "media-timeout", "something an API caller typed", ""}) {
    dialog.endReason = reason;
    calls.onCallEvent(proxy::CallEvent::Ended, dialog);
  }
  EXPECT_EQ(calls.ended("caller-bye"), 2u);
  EXPECT_EQ(calls.ended("failed-999"), 2u);
  EXPECT_EQ(calls.ended("media-timeout"), 1u);
  EXPECT_EQ(calls.ended("other"), 2u);
  EXPECT_EQ(CallMetrics::reasonLabel(Dialog::failureReason(486)), "busy");
  EXPECT_EQ(CallMetrics::reasonLabel(Dialog::failureReason(487)), "cancelled");
  const auto text = scrape(metrics);
  EXPECT_TRUE(has(text, R"(rtcgate_calls_ended_total{reason="failed"} 2)")) << text;
  EXPECT_TRUE(has(text, R"(rtcgate_calls_ended_total{reason="other"} 2)"));
  EXPECT_EQ(text.find("typed"), std::string::npos);
}

}  // namespace
}  // namespace rtcgate::api
