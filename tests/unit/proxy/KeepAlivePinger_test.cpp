// NAT keep-alive pings: which bindings are pinged, how the pings spread over the interval, how
// answers reset the count of misses and when a binding is dropped.
#include "proxy/KeepAlivePinger.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <map>

#include "fakes/FakeTimers.hpp"

namespace rtcgate::proxy {
namespace {

using namespace std::chrono_literals;

class KeepAlivePingerTest : public ::testing::Test {
 protected:
  void make(KeepAliveOptions::Method method = KeepAliveOptions::Method::Options,
            unsigned maxMissed = 3) {
    KeepAliveOptions options;
    options.interval = 30s;
    options.method = method;
    options.maxMissed = maxMissed;
    pinger_ = std::make_unique<KeepAlivePinger>(
        options, timers_, location_,
        [this](std::string_view aor, const Binding&, std::string_view callId) {
          pings_.push_back({std::string(aor), std::string(callId), timers_.now()});
          return true;
        },
        [this](std::string_view aor, const Binding&, unsigned missed) {
          dropped_.emplace_back(aor);
          EXPECT_EQ(missed, 3u);
        });
    pinger_->start();
  }

  // A UDP phone that registered from `source` with a Contact naming `contactPort`.
  void bind(const std::string& aor, std::uint16_t sourcePort, std::uint16_t contactPort,
            sip::Transport transport = sip::Transport::Udp) {
    Binding binding;
    binding.contact =
        "sip:" + aor.substr(0, aor.find('@')) + "@127.0.0.1:" + std::to_string(contactPort);
    binding.key = binding.contact;
    binding.expiresAt = wallSeconds(timers_.wallNow()) + std::chrono::hours(1);
    binding.flow.transport = transport;
    binding.flow.remote = *SocketAddress::parse("127.0.0.1", sourcePort);
    location_.save(aor, binding);
  }

  // Answers every ping sent so far to `aor`.
  void answer(const std::string& aor) {
    for (const auto& ping : pings_) {
      if (ping.aor == aor) pinger_->answered(ping.callId);
    }
  }
  std::size_t pingsTo(const std::string& aor) const {
    std::size_t n = 0;
    for (const auto& ping : pings_) n += ping.aor == aor;
    return n;
  }

  struct Ping {
    std::string aor;
    std::string callId;
    Clock::time_point at;
  };
  rtcgate::testing::FakeTimers timers_;
  LocationService location_{nullptr};
  std::unique_ptr<KeepAlivePinger> pinger_;
  std::vector<Ping> pings_;
  std::vector<std::string> dropped_;
};

TEST_F(KeepAlivePingerTest, OnlyUdpContactsBehindNatArePinged) {
  make();
  bind("natted@localhost", 40000, 5070);
  bind("direct@localhost", 5071, 5071);
  bind("tcp@localhost", 40001, 5072, sip::Transport::Tcp);
  timers_.advance(30s);
  EXPECT_EQ(pingsTo("natted@localhost"), 1u);
  EXPECT_EQ(pingsTo("direct@localhost"), 0u);
  EXPECT_EQ(pingsTo("tcp@localhost"), 0u);
  timers_.advance(60s);
  EXPECT_EQ(pingsTo("natted@localhost"), 3u);
}

TEST_F(KeepAlivePingerTest, ContactsWithAHostNameCountAsBehindNat) {
  Binding binding;
  binding.contact = "sip:phone@phone.example:5060";
  binding.flow.remote = *SocketAddress::parse("127.0.0.1", 5060);
  EXPECT_TRUE(KeepAlivePinger::behindNat(binding));
  binding.contact = "sip:phone@127.0.0.1";
  EXPECT_FALSE(KeepAlivePinger::behindNat(binding));
}

TEST_F(KeepAlivePingerTest, PingsSpreadOverTheInterval) {
  make();
  for (int i = 0; i < 300; ++i) bind("u" + std::to_string(i) + "@localhost", 40000 + i, 5060);
  timers_.advance(30s);
  ASSERT_EQ(pings_.size(), 300u);
  std::map<Clock::time_point, int> perSecond;
  for (const auto& ping : pings_) ++perSecond[ping.at];
  EXPECT_GT(perSecond.size(), 20u);  // 30 slots; a fair hash fills most of them
  for (const auto& [at, n] : perSecond) EXPECT_LT(n, 40);
}

TEST_F(KeepAlivePingerTest, ABindingThatStopsAnsweringIsDroppedAfterMaxMissed) {
  make();
  bind("alive@localhost", 40000, 5070);
  bind("gone@localhost", 40001, 5071);
  for (int i = 0; i < 3; ++i) {
    timers_.advance(30s);
    answer("alive@localhost");
    answer("gone@localhost");
  }
  EXPECT_EQ(pinger_->stats().pingsAnswered, 6u);
  // gone@ stops answering: three pings unanswered, found so at the fourth slot after.
  for (int i = 0; i < 3; ++i) {
    timers_.advance(30s);
    answer("alive@localhost");
  }
  EXPECT_TRUE(dropped_.empty());
  EXPECT_EQ(location_.lookup("gone@localhost", wallSeconds(timers_.wallNow())).size(), 1u);
  timers_.advance(30s);
  ASSERT_EQ(dropped_.size(), 1u);
  EXPECT_EQ(dropped_[0], "gone@localhost");
  EXPECT_TRUE(location_.lookup("gone@localhost", wallSeconds(timers_.wallNow())).empty());
  EXPECT_EQ(location_.lookup("alive@localhost", wallSeconds(timers_.wallNow())).size(), 1u);
  EXPECT_EQ(pinger_->stats().bindingsDropped, 1u);
  EXPECT_EQ(pinger_->tracked(), 1u);
}

TEST_F(KeepAlivePingerTest, OneAnswerResetsTheMisses) {
  make();
  bind("flaky@localhost", 40000, 5070);
  for (int round = 0; round < 5; ++round) {
    timers_.advance(60s);  // two pings, one missed
    timers_.advance(1s);
    answer("flaky@localhost");
  }
  EXPECT_TRUE(dropped_.empty());
}

TEST_F(KeepAlivePingerTest, AnswersToOthersAreNotOurs) {
  make();
  EXPECT_FALSE(pinger_->answered("abc@host"));
  bind("natted@localhost", 40000, 5070);
  timers_.advance(30s);
  ASSERT_EQ(pings_.size(), 1u);
  EXPECT_TRUE(pinger_->answered(pings_[0].callId));
  EXPECT_TRUE(pinger_->answered(pings_[0].callId));  // a retransmitted answer: ours, not counted
  EXPECT_EQ(pinger_->stats().pingsAnswered, 1u);
}

TEST_F(KeepAlivePingerTest, CrlfPingsNeverDropABinding) {
  make(KeepAliveOptions::Method::Crlf);
  bind("natted@localhost", 40000, 5070);
  timers_.advance(600s);
  EXPECT_EQ(pingsTo("natted@localhost"), 20u);
  EXPECT_TRUE(pings_[0].callId.empty());
  EXPECT_EQ(location_.lookup("natted@localhost", wallSeconds(timers_.wallNow())).size(), 1u);
}

TEST_F(KeepAlivePingerTest, GoneBindingsAreForgotten) {
  make();
  bind("natted@localhost", 40000, 5070);
  timers_.advance(30s);
  EXPECT_EQ(pinger_->tracked(), 1u);
  location_.removeAll("natted@localhost");
  timers_.advance(90s);
  EXPECT_EQ(pinger_->tracked(), 0u);
}

// Every one-second slot walks all bindings (only those of the slot are pinged): what that costs
// the signalling loop with 10000 bindings, all behind NAT.
TEST_F(KeepAlivePingerTest, ASlotOverTenThousandBindingsIsCheap) {
  make();
  for (int i = 0; i < 10000; ++i) {
    bind("u" + std::to_string(i) + "@localhost", static_cast<std::uint16_t>(20000 + i), 5060);
  }
  const auto started = std::chrono::steady_clock::now();
  timers_.advance(30s);  // 30 slots: every binding pinged once
  const auto perSlot =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started) / 30;
  std::printf("KeepAlivePinger: %.2f ms per one-second slot (10000 bindings behind NAT)\n",
              perSlot.count());
  EXPECT_EQ(pings_.size(), 10000u);
  EXPECT_LT(perSlot.count(), 200.0);  // generous: a loaded CI machine must not fail it
}

TEST_F(KeepAlivePingerTest, NoPingsWhenOff) {
  KeepAliveOptions options;  // interval 0
  KeepAlivePinger pinger(options, timers_, location_,
                         [](std::string_view, const Binding&, std::string_view) { return true; });
  pinger.start();
  EXPECT_EQ(timers_.pendingCount(), 0u);
}

}  // namespace
}  // namespace rtcgate::proxy
