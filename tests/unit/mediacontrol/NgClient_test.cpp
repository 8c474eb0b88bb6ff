#include "mediacontrol/NgClient.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <set>
#include <thread>

#include "io/AsioTimers.hpp"
#include "media/relay/InProcessMediaControl.hpp"
#include "media/relay/ListenUrl.hpp"
#include "media/relay/RelayService.hpp"
#include "ng/Bencode.hpp"
#include "sdp/SessionDescription.hpp"

namespace rtcgate::mediacontrol {
// The relay-side classes the client is tested against.
using media::InProcessMediaControl;
using media::parseListenUrl;
using media::RelayOptions;
using media::RelayService;
}  // namespace rtcgate::mediacontrol

namespace rtcgate::mediacontrol {
namespace {

const char* kSdp =
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio 41000 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n";
const char* kAnswerSdp =
    "v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio 41002 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

RelayOptions loopbackRelay() {
  RelayOptions options;
  options.listen = {"udp://127.0.0.1:0"};
  options.portMin = 47000;
  options.portMax = 47999;
  return options;
}

// Offer, answer, query and delete against a real ng server; what an SIP proxy does per call.
void expectCallLifecycle(const SocketAddress& server) {
  NgClientOptions options{Duration(1000), 3};
  const std::string callId = "ngclient-" + std::to_string(getpid());
  auto pong = NgClient::requestBlocking(server, MediaControl::ping(), options);
  ASSERT_TRUE(pong.ok()) << pong.error().reason;
  EXPECT_EQ(pong->stringAt("result"), "pong");

  ng::Value offer = MediaControl::offer(callId, "tagA", kSdp, {"trust-address"});
  offer.set("replace", ng::Value::list()).push("origin");
  auto offered = NgClient::requestBlocking(server, offer, options);
  ASSERT_TRUE(offered.ok()) << offered.error().reason;
  ASSERT_EQ(offered->stringAt("result"), "ok") << offered->stringAt("error-reason");
  auto offerSdp = sdp::SessionDescription::parse(offered->stringAt("sdp"));
  ASSERT_TRUE(offerSdp.ok()) << offered->stringAt("sdp");
  ASSERT_EQ(offerSdp->media().size(), 1u);
  EXPECT_NE(offerSdp->media()[0].port(), 41000);
  EXPECT_NE(offerSdp->media()[0].port(), 0);
  EXPECT_EQ(*offerSdp->connectionAddress(0), "127.0.0.1");

  auto answered = NgClient::requestBlocking(
      server, MediaControl::answer(callId, "tagA", "tagB", kAnswerSdp, {"trust-address"}), options);
  ASSERT_TRUE(answered.ok()) << answered.error().reason;
  ASSERT_EQ(answered->stringAt("result"), "ok") << answered->stringAt("error-reason");
  auto answerSdp = sdp::SessionDescription::parse(answered->stringAt("sdp"));
  ASSERT_TRUE(answerSdp.ok());
  EXPECT_NE(answerSdp->media()[0].port(), 41002);
  EXPECT_NE(answerSdp->media()[0].port(), offerSdp->media()[0].port());

  auto queried = NgClient::requestBlocking(server, MediaControl::query(callId), options);
  ASSERT_TRUE(queried.ok());
  EXPECT_EQ(queried->stringAt("result"), "ok");
  EXPECT_NE(queried->find("tags"), nullptr);

  // rtpengine keeps deleted calls 30 s by default; ask for now.
  ng::Value remove = MediaControl::remove(callId, "tagA");
  remove.set("delete delay", ng::Value::integer(0));
  auto deleted = NgClient::requestBlocking(server, remove, options);
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(deleted->stringAt("result"), "ok");
  auto gone = NgClient::requestBlocking(server, MediaControl::query(callId), options);
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(gone->stringAt("result"), "error");
}

TEST(NgClient, DrivesTheRtcgateRelay) {
  RelayService relay(loopbackRelay());
  ASSERT_TRUE(relay.start().ok());
  expectCallLifecycle(relay.ngAddresses().at(0));
}

// Run by tests/integration/test_relay_rtpengine.py against Debian's rtpengine-daemon (and any
// other ng server): RTCGATE_NG_SERVER=udp://IP:PORT.
TEST(NgClientAgainstServer, CallLifecycle) {
  const char* server = std::getenv("RTCGATE_NG_SERVER");
  if (server == nullptr) GTEST_SKIP() << "RTCGATE_NG_SERVER not set";
  auto address = parseListenUrl(server);
  ASSERT_TRUE(address.ok()) << server;
  expectCallLifecycle(*address);
}

// A UDP server that ignores the first `drop` datagrams and answers the rest with a pong.
class LossyServer {
 public:
  explicit LossyServer(int drop) : drop_(drop) {
    fd_ = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    socklen_t length = sizeof address;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~LossyServer() {
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  SocketAddress address() const { return *SocketAddress::parse("127.0.0.1", port_); }
  std::vector<std::string> received;

 private:
  void serve() {
    char buffer[4096];
    for (;;) {
      sockaddr_in from{};
      socklen_t length = sizeof from;
      const ssize_t n =
          recvfrom(fd_, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(&from), &length);
      if (n <= 0) return;
      const std::string datagram(buffer, static_cast<std::size_t>(n));
      received.push_back(datagram);
      if (static_cast<int>(received.size()) <= drop_) continue;
      const std::string reply = datagram.substr(0, datagram.find(' ')) + " d6:result4:ponge";
      sendto(fd_, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), length);
    }
  }

  int drop_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

TEST(NgClient, RetransmitsWithTheSameCookie) {
  LossyServer server(2);
  auto reply = NgClient::requestBlocking(server.address(), MediaControl::ping(),
                                         NgClientOptions{Duration(50), 5});
  ASSERT_TRUE(reply.ok()) << reply.error().reason;
  EXPECT_EQ(reply->stringAt("result"), "pong");
  ASSERT_EQ(server.received.size(), 3u);
  EXPECT_EQ(server.received[0], server.received[1]);
  EXPECT_EQ(server.received[1], server.received[2]);
}

TEST(NgClient, TimesOutAfterTheLastTry) {
  LossyServer server(100);
  auto reply = NgClient::requestBlocking(server.address(), MediaControl::ping(),
                                         NgClientOptions{Duration(30), 3});
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().kind, RelayError::Kind::Timeout);
  EXPECT_EQ(server.received.size(), 3u);
}

TEST(NgClient, ConcurrentRequestsGetFreshCookies) {
  LossyServer server(0);
  boost::asio::io_context io;
  io::AsioTimers timers(io);
  NgClient client(io, timers, server.address(), NgClientOptions{Duration(500), 2});
  int replies = 0;
  for (int i = 0; i < 3; ++i) {
    client.request(MediaControl::ping(), [&](MediaControl::Reply reply) {
      EXPECT_TRUE(reply.ok());
      if (++replies == 3) io.stop();
    });
  }
  io.run_for(std::chrono::seconds(3));
  EXPECT_EQ(replies, 3);
  ASSERT_EQ(server.received.size(), 3u);
  EXPECT_NE(server.received[0].substr(0, server.received[0].find(' ')),
            server.received[1].substr(0, server.received[1].find(' ')));
}

TEST(InProcessMediaControl, RunsOnTheRelayThread) {
  RelayService relay(loopbackRelay());
  ASSERT_TRUE(relay.start(false).ok());
  InProcessMediaControl control(relay);
  auto pong = control.requestBlocking(MediaControl::ping());
  ASSERT_TRUE(pong.ok());
  EXPECT_EQ(pong->stringAt("result"), "pong");
  auto offered = control.requestBlocking(MediaControl::offer("inproc", "a", kSdp));
  ASSERT_TRUE(offered.ok());
  EXPECT_EQ(offered->stringAt("result"), "ok");
  auto listed = control.requestBlocking(MediaControl::list());
  EXPECT_EQ(listed->find("calls")->size(), 1u);
  auto deleted = control.requestBlocking(MediaControl::remove("inproc"));
  EXPECT_EQ(deleted->stringAt("result"), "ok");
}

}  // namespace
}  // namespace rtcgate::mediacontrol

namespace rtcgate::mediacontrol {
namespace {

TEST(RelayService, WorkersShareTheCallsAndMergeListAndStatistics) {
  RelayOptions options = loopbackRelay();
  options.workers = 3;
  RelayService relay(options);
  ASSERT_TRUE(relay.start().ok());
  ASSERT_EQ(relay.workerCount(), 3u);
  const SocketAddress server = relay.ngAddresses().at(0);
  std::set<std::uint16_t> ports;
  for (int i = 0; i < 12; ++i) {
    auto offered =
        NgClient::requestBlocking(server, MediaControl::offer("w" + std::to_string(i), "a", kSdp));
    ASSERT_TRUE(offered.ok());
    ASSERT_EQ(offered->stringAt("result"), "ok") << offered->stringAt("error-reason");
    auto sdp = sdp::SessionDescription::parse(offered->stringAt("sdp"));
    EXPECT_TRUE(ports.insert(sdp->media()[0].port()).second);  // slices never overlap
  }
  auto listed = NgClient::requestBlocking(server, MediaControl::list(100));
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->find("calls")->size(), 12u);
  ng::Value statistics = ng::Value::dict();
  statistics.set("command", "statistics");
  auto stats = NgClient::requestBlocking(server, statistics);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(
      stats->find("statistics")->find("currentstatistics")->find("sessionsown")->integerValue(),
      12);
  EXPECT_EQ(stats->find("statistics")->find("totalstatistics")->find("portsinuse")->integerValue(),
            48);
  // The calls did spread over the workers: each slice is a third of the range.
  EXPECT_GT(*ports.rbegin() - *ports.begin(), 333);
  for (int i = 0; i < 12; ++i) {
    auto deleted = NgClient::requestBlocking(server, MediaControl::remove("w" + std::to_string(i)));
    ASSERT_TRUE(deleted.ok());
  }
  expectCallLifecycle(server);
}

}  // namespace
}  // namespace rtcgate::mediacontrol

namespace rtcgate::mediacontrol {
namespace {

TEST(RelayService, AnswersNgOnlyFromAllowedSources) {
  auto options = loopbackRelay();
  options.allowedSources = {"10.0.0.0/8", "::1"};
  RelayService refusing(options);
  ASSERT_TRUE(refusing.start());
  auto reply = NgClient::requestBlocking(refusing.ngAddresses().front(), MediaControl::ping(),
                                         NgClientOptions{Duration(50), 2});
  EXPECT_FALSE(reply.ok()) << "127.0.0.1 is not allowed, yet the relay answered";

  options.allowedSources = {"127.0.0.1/32"};
  options.portMin = 48000;
  options.portMax = 48999;
  RelayService allowing(options);
  ASSERT_TRUE(allowing.start());
  reply = NgClient::requestBlocking(allowing.ngAddresses().front(), MediaControl::ping(),
                                    NgClientOptions{Duration(500), 2});
  ASSERT_TRUE(reply.ok()) << reply.error().reason;
  EXPECT_EQ(reply->stringAt("result"), "pong");

  options.allowedSources = {"localhost"};
  RelayService misconfigured(options);
  EXPECT_FALSE(misconfigured.start());
}

}  // namespace
}  // namespace rtcgate::mediacontrol
