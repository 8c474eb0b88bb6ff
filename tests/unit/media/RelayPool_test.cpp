#include "media/RelayPool.hpp"

#include <gtest/gtest.h>

#include <boost/asio/ip/udp.hpp>

#include "io/AsioTimers.hpp"
#include "media/RelayService.hpp"

namespace rtcgate::media {
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

  MediaControl::Reply run(RelayPool& pool, ng::Value request) {
    std::optional<MediaControl::Reply> result;
    pool.request(std::move(request), [&](MediaControl::Reply reply) {
      result = std::move(reply);
      io_.stop();
    });
    io_.restart();
    io_.run_for(std::chrono::seconds(10));
    if (!result) return Error{"no callback"};
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
  ASSERT_TRUE(offered.ok()) << offered.error();
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

TEST_F(RelayPoolTest, NoLiveRelayIsAnError) {
  RelayPool pool(io_, timers_, {silentAddress_}, std::chrono::seconds(60));
  auto offered = run(pool, MediaControl::offer("pool-4", "a", kSdp));
  EXPECT_FALSE(offered.ok());
}

}  // namespace
}  // namespace rtcgate::media
