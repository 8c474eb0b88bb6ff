#include "mediacontrol/RelayPool.hpp"

#include <gtest/gtest.h>

#include <boost/asio/ip/udp.hpp>

#include "io/AsioTimers.hpp"
#include "media/relay/RelayService.hpp"

namespace rtcgate::mediacontrol {
// The relay-side classes the client is tested against.
using media::RelayOptions;
using media::RelayService;
}  // namespace rtcgate::mediacontrol

namespace rtcgate::mediacontrol {
namespace {

const char* kSdp =
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio 41000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

class RelayPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RelayOptions options;
    options.listen = {"udp://127.0.0.1:0"};
    options.portMin = 46000;
    options.portMax = 46999;
    live_ = std::make_unique<RelayService>(options);
    ASSERT_TRUE(live_->start().ok());
    // A relay that never answers: a bound socket nobody reads.
    silent_.open(boost::asio::ip::udp::v4());
    silent_.bind({boost::asio::ip::make_address("127.0.0.1"), 0});
    silentAddress_ = *SocketAddress::parse("127.0.0.1", silent_.local_endpoint().port());
  }
  void TearDown() override { live_->stop(); }

  MediaControl::Reply run(MediaControl& pool, ng::Value request) {
    std::optional<MediaControl::Reply> result;
    pool.request(std::move(request), [&](MediaControl::Reply reply) {
      result = std::move(reply);
      io_.stop();
    });
    io_.restart();
    io_.run_for(std::chrono::seconds(10));
    if (!result) return RelayError::unreachable("no callback");
    return std::move(*result);
  }

  boost::asio::io_context io_;
  io::AsioTimers timers_{io_};
  std::unique_ptr<RelayService> live_;
  boost::asio::ip::udp::socket silent_{io_};
  SocketAddress silentAddress_;
};

TEST_F(RelayPoolTest, NewCallsFailOverFromADeadRelayAndStayWithTheirRelay) {
  RelayPool pool(io_, timers_, {silentAddress_, live_->ngAddresses().front()},
                 std::chrono::seconds(60));
  auto offered = run(pool, MediaControl::offer("pool-1", "a", kSdp));
  ASSERT_TRUE(offered.ok()) << offered.error().reason;
  EXPECT_EQ(offered->stringAt("result"), "ok");
  auto states = pool.relays();
  EXPECT_FALSE(states[0].alive) << "the silent relay is marked down";
  EXPECT_EQ(states[1].calls, 1u);

  // The next call goes straight to the live relay; the first call's requests stay there.
  auto second = run(pool, MediaControl::offer("pool-2", "a", kSdp));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(pool.relays()[1].calls, 2u);
  auto queried = run(pool, MediaControl::query("pool-1"));
  ASSERT_TRUE(queried.ok());
  EXPECT_EQ(queried->stringAt("result"), "ok");
  auto deleted = run(pool, MediaControl::remove("pool-1"));
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(pool.relays()[1].calls, 1u);
}

TEST_F(RelayPoolTest, RequestsForCallsItDidNotPlaceGoToEveryRelay) {
  // After a restart of the signalling side the pool knows no calls; the relay that has one
  // answers.
  RelayPool first(io_, timers_, {live_->ngAddresses().front()}, std::chrono::seconds(60));
  ASSERT_TRUE(run(first, MediaControl::offer("pool-3", "a", kSdp)).ok());
  RelayPool restarted(io_, timers_, {silentAddress_, live_->ngAddresses().front()},
                      std::chrono::seconds(60));
  auto queried = run(restarted, MediaControl::query("pool-3"));
  ASSERT_TRUE(queried.ok());
  EXPECT_EQ(queried->stringAt("result"), "ok");
}

TEST_F(RelayPoolTest, HealthChangesAreReportedAndStatisticsCached) {
  // The first ping round: the silent relay goes down (told once), the live one answers its
  // ping and then its statistics, which the pool keeps for /metrics.
  RelayPool placer(io_, timers_, {live_->ngAddresses().front()}, std::chrono::seconds(60));
  ASSERT_TRUE(run(placer, MediaControl::offer("pool-5", "a", kSdp)).ok());
  RelayPool pool(io_, timers_, {silentAddress_, live_->ngAddresses().front()},
                 std::chrono::milliseconds(200));
  std::vector<std::string> changes;
  pool.onHealthChange([&](const RelayPool::RelayState& relay) {
    changes.push_back(relay.address.toString() + (relay.alive ? " up" : " down"));
  });
  for (int i = 0; i < 100 && (changes.empty() || !pool.relay(1).statisticsKnown); ++i) {
    io_.restart();
    io_.run_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0], silentAddress_.toString() + " down");
  EXPECT_FALSE(pool.relay(0).alive);
  EXPECT_FALSE(pool.relay(0).statisticsKnown);
  ASSERT_TRUE(pool.relay(1).statisticsKnown);
  EXPECT_EQ(pool.relay(1).totals.sessions, 1u);
  EXPECT_EQ(pool.relay(1).totals.managedSessions, 1u);
}

TEST_F(RelayPoolTest, QuestionsGoToTheRelayHoldingTheCall) {
  RelayOptions options;
  options.listen = {"udp://127.0.0.1:0"};
  options.portMin = 47000;
  options.portMax = 47999;
  RelayService second(options);
  ASSERT_TRUE(second.start().ok());
  RelayPool pool(io_, timers_, {live_->ngAddresses().front(), second.ngAddresses().front()},
                 std::chrono::seconds(60));
  ASSERT_TRUE(run(pool, MediaControl::offer("ask-1", "a", kSdp)).ok());
  ASSERT_TRUE(run(pool, MediaControl::offer("ask-2", "a", kSdp)).ok());
  ASSERT_EQ(pool.relay(1).calls, 1u) << "the second call is on the second relay";
  // The first relay does not know ask-2: asking it would answer "error".
  auto queried = run(pool.questions(), MediaControl::query("ask-2"));
  ASSERT_TRUE(queried.ok()) << queried.error().reason;
  EXPECT_EQ(queried->stringAt("result"), "ok");
  queried = run(pool.questions(), MediaControl::query("ask-1"));
  ASSERT_TRUE(queried.ok()) << queried.error().reason;
  EXPECT_EQ(queried->stringAt("result"), "ok");
  second.stop();
}

TEST_F(RelayPoolTest, AnUnansweredQuestionMarksNoRelayDown) {
  // Two tries of 300 ms, over before the first ping (three of 500 ms) gives up.
  RelayPool quiet(io_, timers_, {silentAddress_}, std::chrono::seconds(60));
  auto asked = run(quiet.questions(), MediaControl::list());
  ASSERT_FALSE(asked.ok());
  EXPECT_EQ(asked.error().kind, RelayError::Kind::Timeout);
  EXPECT_TRUE(quiet.relay(0).alive);
  EXPECT_EQ(quiet.relay(0).failures, 0u);
}

// Runs the loop in short slices until `done` holds (or 10 s pass).
template <typename Done>
void runUntil(boost::asio::io_context& io, Done done) {
  for (int i = 0; i < 200 && !done(); ++i) {
    io.restart();
    io.run_for(std::chrono::milliseconds(50));
  }
}

TEST_F(RelayPoolTest, ARelayThatStopsAnsweringHandsBackItsCallsOnce) {
  RelayPool pool(io_, timers_, {live_->ngAddresses().front()}, std::chrono::milliseconds(200));
  ASSERT_TRUE(run(pool, MediaControl::offer("lost-1", "a", kSdp)).ok());
  ASSERT_TRUE(run(pool, MediaControl::offer("lost-2", "a", kSdp)).ok());
  ASSERT_TRUE(run(pool, MediaControl::remove("lost-2")).ok());
  std::vector<std::string> lost;
  int told = 0;
  pool.onCallsLost([&](const RelayPool::RelayState& relay, const std::vector<std::string>& ids) {
    EXPECT_FALSE(relay.alive);
    lost = ids;
    ++told;
  });
  live_->stop();
  runUntil(io_, [&] { return told > 0; });
  ASSERT_EQ(told, 1);
  EXPECT_EQ(lost, std::vector<std::string>{"lost-1"}) << "the deleted call is not lost";
  EXPECT_EQ(pool.relay(0).callsLost, 1u);
  EXPECT_EQ(pool.relay(0).calls, 0u);
  // Later misses of a relay already down lose nothing more.
  io_.restart();
  io_.run_for(std::chrono::seconds(2));
  EXPECT_EQ(told, 1);
}

TEST_F(RelayPoolTest, ARelayIsDownOnlyAfterTheConfiguredPingsInARowAreMissed) {
  // 200 ms between pings, each missed ping is 1.5 s of tries: three misses take over 4 s.
  RelayPool pool(io_, timers_, {silentAddress_}, std::chrono::milliseconds(200), 3);
  const auto start = std::chrono::steady_clock::now();
  runUntil(io_, [&] { return !pool.relay(0).alive; });
  EXPECT_FALSE(pool.relay(0).alive);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1800))
      << "one missed ping was enough";
}

TEST_F(RelayPoolTest, ARequestWithoutAReplyTakesTheRelayDownWithItsCalls) {
  // Pings too rare to notice: the unanswered query is what tells.
  RelayPool pool(io_, timers_, {live_->ngAddresses().front()}, std::chrono::seconds(60));
  ASSERT_TRUE(run(pool, MediaControl::offer("lost-3", "a", kSdp)).ok());
  std::vector<std::string> lost;
  pool.onCallsLost(
      [&](const RelayPool::RelayState&, const std::vector<std::string>& ids) { lost = ids; });
  live_->stop();
  EXPECT_FALSE(run(pool, MediaControl::query("lost-3")).ok());
  EXPECT_FALSE(pool.relay(0).alive);
  EXPECT_EQ(lost, std::vector<std::string>{"lost-3"});
}

TEST(RelayPoolTotals, ReadsRtpengineAndRtcgateStatisticsKeys) {
  ng::Value reply = ng::Value::dict();
  reply.set("result", "ok");
  ng::Value& statistics = reply.set("statistics", ng::Value::dict());
  statistics.set("currentstatistics", ng::Value::dict())
      .set("sessionstotal", ng::Value::integer(4));
  ng::Value& total = statistics.set("totalstatistics", ng::Value::dict());
  total.set("relayedpackets", ng::Value::integer(1000));
  total.set("relayedbytes", "172000");  // ng numbers may come as strings
  total.set("relayedpacketerrors", ng::Value::integer(3));
  total.set("timeoutsessions", ng::Value::integer(2));
  total.set("dtlsfailures", ng::Value::integer(-1));  // nonsense is ignored
  const ng::RelayTotals totals = RelayPool::totalsFrom(reply);
  EXPECT_EQ(totals.sessions, 4u);
  EXPECT_EQ(totals.packets, 1000u);
  EXPECT_EQ(totals.bytes, 172000u);
  EXPECT_EQ(totals.sendErrors, 3u);
  EXPECT_EQ(totals.timeoutSessions, 2u);
  EXPECT_EQ(totals.dtlsFailures, 0u);
  EXPECT_EQ(RelayPool::totalsFrom(ng::Value::dict()).packets, 0u);
}

TEST_F(RelayPoolTest, NoLiveRelayIsAnError) {
  RelayPool pool(io_, timers_, {silentAddress_}, std::chrono::seconds(60));
  auto offered = run(pool, MediaControl::offer("pool-4", "a", kSdp));
  EXPECT_FALSE(offered.ok());
}

}  // namespace
}  // namespace rtcgate::mediacontrol
