#include "app/RelayWatch.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <utility>
#include <vector>

#include "http/JsonValue.hpp"

namespace rtcgate::app {
namespace {

// Answers each request with the reply queued for it, at once; nullopt: no reply ("timeout").
class ScriptedRelay : public mediacontrol::MediaControl {
 public:
  void request(ng::Value request, Callback done) override {
    commands.emplace_back(request.stringAt("command"));
    std::optional<ng::Value> reply = std::move(replies.front());
    replies.erase(replies.begin());
    if (reply) {
      done(std::move(*reply));
    } else {
      done(mediacontrol::RelayError::timeout("timeout"));
    }
  }
  std::vector<std::optional<ng::Value>> replies;
  std::vector<std::string> commands;
};

ng::Value reply(const char* result, const char* reason = nullptr) {
  ng::Value value = ng::Value::dict();
  value.set("result", result);
  if (reason) value.set("error-reason", reason);
  return value;
}

class RelayWatchTest : public ::testing::Test {
 protected:
  ScriptedRelay relay_;
  std::vector<std::pair<std::string, std::string>> events_;
  RelayWatch watch_{relay_, [this](std::string_view type, const std::string& fields) {
                      events_.emplace_back(std::string(type), fields);
                    }};

  mediacontrol::MediaControl::Reply run(ng::Value request) {
    std::optional<mediacontrol::MediaControl::Reply> out;
    watch_.request(std::move(request),
                   [&](mediacontrol::MediaControl::Reply r) { out = std::move(r); });
    return std::move(*out);
  }
};

TEST_F(RelayWatchTest, RefusedAndUnansweredOffersBecomeErrorEvents) {
  relay_.replies.push_back(reply("error", "Failed to parse SDP"));
  relay_.replies.push_back(std::nullopt);
  relay_.replies.push_back(reply("ok"));
  relay_.replies.push_back(reply("error", "Unknown call-id"));

  auto refused = run(mediacontrol::MediaControl::offer("c1", "a", "v=0"));
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->stringAt("error-reason"), "Failed to parse SDP");  // passed through as is
  EXPECT_FALSE(run(mediacontrol::MediaControl::answer("c2", "a", "b", "v=0")).ok());
  EXPECT_TRUE(run(mediacontrol::MediaControl::offer("c3", "a", "v=0")).ok());
  // A query for a call the relay forgot is routine, not an error event.
  EXPECT_TRUE(run(mediacontrol::MediaControl::query("c4")).ok());

  ASSERT_EQ(events_.size(), 2u);
  EXPECT_EQ(events_[0].first, "error");
  auto first = http::JsonValue::parse(events_[0].second);
  ASSERT_TRUE(first) << events_[0].second;
  EXPECT_EQ((*first)["what"].asString(), "relay-refused");
  EXPECT_EQ((*first)["command"].asString(), "offer");
  EXPECT_EQ((*first)["call_id"].asString(), "c1");
  EXPECT_EQ((*first)["reason"].asString(), "Failed to parse SDP");
  auto second = http::JsonValue::parse(events_[1].second);
  ASSERT_TRUE(second) << events_[1].second;
  EXPECT_EQ((*second)["what"].asString(), "relay-unreachable");
  EXPECT_EQ((*second)["command"].asString(), "answer");
  EXPECT_EQ((*second)["reason"].asString(), "timeout");
  EXPECT_EQ(relay_.commands, (std::vector<std::string>{"offer", "answer", "offer", "query"}));
}

TEST_F(RelayWatchTest, MediaTimeoutEndingACallIsAnErrorEvent) {
  proxy::Dialog dialog;
  dialog.id = 7;
  dialog.callId = "c\"7";
  dialog.endReason = "caller-bye";
  watch_.onCallEvent(proxy::CallEvent::Ended, dialog);
  dialog.endReason = "media-timeout";
  watch_.onCallEvent(proxy::CallEvent::Answered, dialog);
  watch_.onCallEvent(proxy::CallEvent::Ended, dialog);
  ASSERT_EQ(events_.size(), 1u);
  auto event = http::JsonValue::parse(events_[0].second);
  ASSERT_TRUE(event) << events_[0].second;
  EXPECT_EQ((*event)["what"].asString(), "media-timeout");
  EXPECT_EQ((*event)["call_id"].asString(), "c\"7");
  EXPECT_EQ((*event)["call"].asNumber(), 7);
}

TEST(RelayWatchFields, RelayUpDownNamesTheRelay) {
  mediacontrol::RelayPool::RelayState state;
  state.address = *SocketAddress::parse("10.0.0.2", 22222);
  state.failures = 3;
  auto fields = http::JsonValue::parse(RelayWatch::relayFields(state));
  ASSERT_TRUE(fields);
  EXPECT_EQ((*fields)["relay"].asString(), "10.0.0.2:22222");
  EXPECT_EQ((*fields)["failures"].asNumber(), 3);
}

}  // namespace
}  // namespace rtcgate::app
