#include "events/EventHub.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "events/CallJson.hpp"
#include "fakes/FakeTimers.hpp"

namespace rtcgate::events {
namespace {

using rtcgate::testing::FakeTimers;

// The hub's clock: FakeTimers' wall clock (2026-01-01T00:00:00Z) 123 ms on, kNow in Unix ms.
constexpr std::int64_t kNow = 1767225600123;
FakeTimers clockAtNow() {
  FakeTimers timers;
  timers.advance(std::chrono::milliseconds(123));
  return timers;
}

struct Collector {
  std::vector<std::string> events;
  EventHub::Deliver deliver() {
    return [this](const http::SharedText& event) {
      events.push_back(*event);
      return true;
    };
  }
};

// Registered until an hour after `timers`' now.
proxy::Binding binding(const Timers& timers) {
  proxy::Binding b;
  b.contact = "sip:alice@127.0.0.1:5070";
  b.flow.transport = sip::Transport::Udp;
  b.flow.remote = *SocketAddress::parse("127.0.0.1", 5070);
  b.expiresAt = proxy::wallSeconds(timers.wallNow()) + std::chrono::seconds(3600);
  b.userAgent = "sipp";
  return b;
}

proxy::Dialog dialog() {
  proxy::Dialog d;
  d.id = 7;
  d.callId = "abc@host";
  d.caller.uri = "sip:alice@localhost";
  d.caller.tag = "t1";
  d.callee.uri = "sip:bob@localhost";
  d.state = proxy::Dialog::State::Terminated;
  d.endReason = "caller-bye";
  d.endCode = 200;
  return d;
}

// A relay's delete reply in which the caller (t1) sent 7 packets.
ng::Value relayReport() {
  ng::Value stats = ng::Value::dict();
  stats.set("packets", ng::Value::integer(7));
  ng::Value stream = ng::Value::dict();
  stream.set("stats", std::move(stats));
  ng::Value streams = ng::Value::list();
  streams.push(std::move(stream));
  ng::Value media = ng::Value::dict();
  media.set("streams", std::move(streams));
  ng::Value medias = ng::Value::list();
  medias.push(std::move(media));
  ng::Value party = ng::Value::dict();
  party.set("medias", std::move(medias));
  ng::Value reply = ng::Value::dict();
  reply.set("tags", ng::Value::dict()).set("t1", std::move(party));
  return reply;
}

TEST(EventHub, RegistrationEventCarriesTheBinding) {
  const auto timers = clockAtNow();
  EventHub hub(timers);
  Collector got;
  hub.subscribe({}, got.deliver());
  hub.onRegistration("added", "alice@localhost", binding(timers));
  ASSERT_EQ(got.events.size(), 1u);
  const auto& e = got.events[0];
  EXPECT_TRUE(e.starts_with(
      R"({"type":"registration.added","time":1767225600123,"aor":"alice@localhost",)"))
      << e;
  EXPECT_NE(e.find(R"("contact":"sip:alice@127.0.0.1:5070")"), std::string::npos) << e;
  EXPECT_NE(e.find(R"("transport":"udp")"), std::string::npos) << e;
  EXPECT_NE(e.find(R"("source":"127.0.0.1:5070")"), std::string::npos) << e;
  EXPECT_NE(e.find(R"("expires":3600,)"), std::string::npos) << e;
  EXPECT_TRUE(e.ends_with(R"("user_agent":"sipp"})")) << e;

  hub.onRegistration("expired", "alice@localhost", binding(timers));
  EXPECT_NE(got.events[1].find(R"("type":"registration.expired")"), std::string::npos);
  EXPECT_NE(got.events[1].find(R"("expires":0,)"), std::string::npos) << got.events[1];
}

TEST(EventHub, CallEventsCarryTheCallAndEndedTheReason) {
  const auto timers = clockAtNow();
  EventHub hub(timers);
  Collector got;
  hub.subscribe({}, got.deliver());
  const auto call = dialog();
  hub.onCallEvent(proxy::CallEvent::Answered, call);
  hub.onCallEvent(proxy::CallEvent::Ended, call);
  ASSERT_EQ(got.events.size(), 1u) << "call.ended waits for the call's record";
  const auto report = relayReport();
  hub.onCallRecord(call, &report);
  ASSERT_EQ(got.events.size(), 2u);
  const std::string callJson = events::callJson(call, nullptr, timers.wallNow());
  EXPECT_EQ(got.events[0],
            R"({"type":"call.answered","time":1767225600123,"call":)" + callJson + "}");
  // The ended call carries the relay's final figures.
  EXPECT_EQ(got.events[1], R"({"type":"call.ended","time":1767225600123,"call":)" +
                               events::callJson(call, &report, timers.wallNow()) +
                               R"(,"reason":"caller-bye","code":200})");
  EXPECT_NE(got.events[1].find(R"("packets":7,)"), std::string::npos) << got.events[1];
}

TEST(EventHub, DigitsBecomeCallDtmfWithSourceAndDelivery) {
  const auto timers = clockAtNow();
  EventHub hub(timers);
  Collector got;
  hub.subscribe({"call.dtmf"}, got.deliver());
  const auto call = dialog();
  hub.onDtmf(call, proxy::DtmfDigit{.digit = '#',
                                    .durationMs = 160,
                                    .fromCaller = false,
                                    .source = proxy::DtmfDigit::Source::Info,
                                    .delivery = proxy::DtmfDigit::Delivery::AsRfc4733});
  hub.onDtmf(call, proxy::DtmfDigit{.digit = '5', .durationMs = 80, .volume = 10});
  ASSERT_EQ(got.events.size(), 2u);
  const std::string head = R"({"type":"call.dtmf","time":1767225600123,"call":{"id":)" +
                           std::to_string(call.id) + R"(,"call_id":")" + call.callId + R"("},)";
  EXPECT_EQ(got.events[0], head + R"("digit":"#","duration_ms":160,"direction":"from_callee",)"
                                  R"("source":"info","delivered_as":"rfc4733"})");
  EXPECT_EQ(got.events[1], head + R"("digit":"5","duration_ms":80,"volume":10,)"
                                  R"("direction":"from_caller","source":"rfc4733",)"
                                  R"("delivered_as":"passed"})");
}

TEST(EventHub, RecordingChangesBecomeCallRecording) {
  const auto timers = clockAtNow();
  EventHub hub(timers);
  Collector got;
  hub.subscribe({"call.recording"}, got.deliver());
  const auto call = dialog();
  hub.onRecording(call, proxy::RecordingChange{.started = true, .file = "/rec/a.wav"});
  hub.onRecording(call, proxy::RecordingChange{
                            .started = false, .file = "/rec/a.wav", .reason = "api", .dropped = 2});
  ASSERT_EQ(got.events.size(), 2u);
  const std::string head = R"({"type":"call.recording","time":1767225600123,"call":{"id":)" +
                           std::to_string(call.id) + R"(,"call_id":")" + call.callId + R"("},)";
  EXPECT_EQ(got.events[0], head + R"("state":"started","file":"/rec/a.wav"})");
  EXPECT_EQ(got.events[1],
            head + R"("state":"stopped","file":"/rec/a.wav","reason":"api","dropped":2})");
}

TEST(EventHub, PublishAddsTheGivenFields) {
  const auto timers = clockAtNow();
  EventHub hub(timers);
  Collector got;
  hub.subscribe({}, got.deliver());
  EXPECT_TRUE(hub.publish("relay.down", R"( {"relay":"udp://10.0.0.2:22222"} )"));
  EXPECT_TRUE(hub.publish("error"));
  EXPECT_FALSE(hub.publish("error", R"("no braces")"));
  ASSERT_EQ(got.events.size(), 2u);
  EXPECT_EQ(got.events[0],
            R"({"type":"relay.down","time":1767225600123,"relay":"udp://10.0.0.2:22222"})");
  EXPECT_EQ(got.events[1], R"({"type":"error","time":1767225600123})");
  EXPECT_EQ(hub.stats().published, 2u);
}

TEST(EventHub, PrefixFilter) {
  const auto timers = clockAtNow();
  EventHub hub(timers);
  Collector calls;
  Collector all;
  hub.subscribe(EventHub::parseTypeFilter(" call. , relay.up,"), calls.deliver());
  hub.subscribe({}, all.deliver());
  hub.onRegistration("added", "a@b", binding(timers));
  hub.onCallEvent(proxy::CallEvent::Incoming, dialog());
  hub.publish("relay.up", "{}");
  hub.publish("relay.down", "{}");
  EXPECT_EQ(all.events.size(), 4u);
  ASSERT_EQ(calls.events.size(), 2u);
  EXPECT_TRUE(calls.events[0].starts_with(R"({"type":"call.incoming")"));
  EXPECT_TRUE(calls.events[1].starts_with(R"({"type":"relay.up")"));
  EXPECT_EQ(EventHub::parseTypeFilter(""), std::vector<std::string>{});
}

TEST(EventHub, GoneSubscribersAreDroppedEvenMidDispatch) {
  const auto timers = clockAtNow();
  EventHub hub(timers);
  int deliveredToSecond = 0;
  std::uint64_t second = 0;
  hub.subscribe({}, [](const http::SharedText&) { return false; });  // gone
  hub.subscribe({}, [&](const http::SharedText&) {
    hub.unsubscribe(second);  // unsubscribes the next one while the hub walks its list
    return true;
  });
  second = hub.subscribe({}, [&](const http::SharedText&) {
    ++deliveredToSecond;
    return true;
  });
  EXPECT_EQ(hub.subscriberCount(), 3u);
  hub.publish("x");
  EXPECT_EQ(deliveredToSecond, 0);
  EXPECT_EQ(hub.subscriberCount(), 1u);
}

TEST(EventHub, WithoutSubscribersEventsAreCountedNotRendered) {
  class CountingTimers : public FakeTimers {
   public:
    WallClock::time_point wallNow() const override {
      ++reads;
      return FakeTimers::wallNow();
    }
    mutable int reads = 0;
  } timers;
  EventHub hub(timers);
  hub.onCallEvent(proxy::CallEvent::Incoming, dialog());
  hub.publish("relay.up");
  EXPECT_EQ(hub.stats().published, 2u);
  EXPECT_EQ(timers.reads, 0);
}

// Every time in an event follows the Timers' wall clock, none the system's: the event's time,
// how long a registration has left, how long an answered call has lasted.
TEST(EventHub, TimesFollowTheTimersWallClock) {
  FakeTimers timers;
  EventHub hub(timers);
  Collector got;
  hub.subscribe({}, got.deliver());
  const auto registered = binding(timers);
  auto call = dialog();
  call.state = proxy::Dialog::State::Confirmed;
  call.answered = timers.wallNow() - std::chrono::seconds(30);
  timers.advance(std::chrono::milliseconds(5250));
  hub.onRegistration("refreshed", "alice@localhost", registered);
  hub.onCallEvent(proxy::CallEvent::Answered, call);
  ASSERT_EQ(got.events.size(), 2u);
  EXPECT_TRUE(
      got.events[0].starts_with(R"({"type":"registration.refreshed","time":1767225605250,)"))
      << got.events[0];
  EXPECT_NE(got.events[0].find(R"("expires":3595,)"), std::string::npos) << got.events[0];
  EXPECT_TRUE(got.events[1].starts_with(R"({"type":"call.answered","time":1767225605250,)"))
      << got.events[1];
  EXPECT_NE(got.events[1].find(R"("duration":35,)"), std::string::npos) << got.events[1];
}

TEST(EventHub, RefusesANonHttpWebhook) {
  boost::asio::io_context io;
  class NoTimers : public Timers {
   public:
    Clock::time_point now() const override { return {}; }
    WallClock::time_point wallNow() const override { return {}; }
    Id start(Duration, std::function<void()>) override { return 1; }
    void cancel(Id) override {}
  } timers;
  EventHub hub(timers);
  const auto status = hub.startWebhooks(io, timers, {"http://127.0.0.1:9/ok", "ftp://x"}, {});
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().find("events.webhooks[1]"), std::string::npos) << status.error();
  EXPECT_EQ(hub.subscriberCount(), 0u);
}

TEST(WebhookUrl, Parses) {
  auto url = WebhookUrl::parse("http://127.0.0.1:9000/hook?x=1");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, "9000");
  EXPECT_EQ(url->target, "/hook?x=1");
  url = WebhookUrl::parse("http://[::1]");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, "80");
  EXPECT_EQ(url->target, "/");
  EXPECT_FALSE(WebhookUrl::parse("https://example.com/"));
  EXPECT_FALSE(WebhookUrl::parse("http://"));
  EXPECT_FALSE(WebhookUrl::parse("http://host:0/"));
  EXPECT_FALSE(WebhookUrl::parse("http://host:99999/"));
  EXPECT_FALSE(WebhookUrl::parse("http://host:/"));
  EXPECT_FALSE(WebhookUrl::parse("http://u@host/"));
}

}  // namespace
}  // namespace rtcgate::events
