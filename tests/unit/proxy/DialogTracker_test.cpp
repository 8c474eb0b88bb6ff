// The per-source count of unauthenticated calls (security.max_unauthenticated_calls_per_source):
// it follows the calls' lives, counts hosts (not ports), and only the calls marked as strangers'.
#include "proxy/DialogTracker.hpp"

#include <gtest/gtest.h>

#include "fakes/FakeTimers.hpp"

namespace rtcgate::proxy {
namespace {

SocketAddress at(const char* host, std::uint16_t port) { return *SocketAddress::parse(host, port); }

Dialog& callFrom(DialogTracker& tracker, const std::string& callId, const SocketAddress& source) {
  Dialog& dialog = tracker.create(callId);
  dialog.caller.flow.remote = source;
  return dialog;
}

TEST(DialogTrackerTest, StrangerCallsAreCountedPerHostWhileTheyLast) {
  rtcgate::testing::FakeTimers timers;
  DialogTracker tracker{timers};
  tracker.countAsStranger(callFrom(tracker, "a", at("192.0.2.1", 5060)));
  tracker.countAsStranger(callFrom(tracker, "b", at("192.0.2.1", 5062)));
  tracker.countAsStranger(callFrom(tracker, "c", at("192.0.2.2", 5060)));
  callFrom(tracker, "d", at("192.0.2.1", 5060));  // an authenticated caller's: not counted

  EXPECT_EQ(tracker.strangerCalls(at("192.0.2.1", 9)), 2u);
  EXPECT_EQ(tracker.strangerCalls(at("192.0.2.2", 9)), 1u);
  EXPECT_EQ(tracker.strangerCalls(at("192.0.2.3", 9)), 0u);

  tracker.end(*tracker.find("a"), "cancelled", 487);
  tracker.end(*tracker.find("d"), "caller-bye", 200);
  EXPECT_EQ(tracker.strangerCalls(at("192.0.2.1", 9)), 1u);
  tracker.end(*tracker.find("b"), "cancelled", 487);
  EXPECT_EQ(tracker.strangerCalls(at("192.0.2.1", 9)), 0u);
}

TEST(DialogTrackerTest, ADialogIsCountedOnce) {
  rtcgate::testing::FakeTimers timers;
  DialogTracker tracker{timers};
  Dialog& dialog = callFrom(tracker, "a", at("2001:db8::1", 5060));
  tracker.countAsStranger(dialog);
  tracker.countAsStranger(dialog);  // a spiral of the same INVITE
  EXPECT_EQ(tracker.strangerCalls(at("2001:db8::1", 0)), 1u);
  tracker.end(dialog, "cancelled", 487);
  EXPECT_EQ(tracker.strangerCalls(at("2001:db8::1", 0)), 0u);
}

// Start and end times are the Timers' wall clock, not the system's: a CDR made in a test says when
// the fake clock says the call started and ended.
TEST(DialogTrackerTest, StartAndEndTimesComeFromTheTimersWallClock) {
  rtcgate::testing::FakeTimers timers;
  DialogTracker tracker{timers};
  timers.advance(std::chrono::seconds(90));
  Dialog& dialog = tracker.create("a");
  EXPECT_EQ(dialog.created, rtcgate::testing::FakeTimers::kWallStart + std::chrono::seconds(90));
  timers.advance(std::chrono::seconds(30));
  const Dialog record = tracker.end(dialog, "caller-bye", 200);
  EXPECT_EQ(record.ended, rtcgate::testing::FakeTimers::kWallStart + std::chrono::seconds(120));
  EXPECT_EQ(record.ended - record.created, std::chrono::seconds(30));
}

}  // namespace
}  // namespace rtcgate::proxy
