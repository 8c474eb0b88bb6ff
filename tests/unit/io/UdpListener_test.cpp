#include "io/UdpListener.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "io/AddressConversion.hpp"

namespace rtcgate::io {
namespace {

namespace asio = boost::asio;
using asio::ip::udp;

const udp::endpoint kLoopback(asio::ip::make_address("127.0.0.1"), 0);

// A loopback port that was just free: nothing listens there, so the kernel answers ICMP port
// unreachable.
SocketAddress closedPort(asio::io_context& io, const udp::endpoint& loopback = kLoopback) {
  udp::socket probe(io, loopback);
  const auto address = toSocketAddress(probe.local_endpoint());
  probe.close();
  return address;
}

// A listener on loopback that records what it hands on.
struct Recording {
  explicit Recording(asio::io_context& io, const udp::endpoint& loopback = kLoopback)
      : listener(std::make_shared<UdpListener>(io)) {
    bound = !listener->bind(loopback);
    listener->start(
        [this](std::string_view bytes, const SocketAddress&) { datagrams.emplace_back(bytes); },
        [this](const SocketAddress& remote) { unreachable.push_back(remote); });
  }
  ~Recording() { listener->close(); }

  std::shared_ptr<UdpListener> listener;
  bool bound = false;
  std::vector<std::string> datagrams;
  std::vector<SocketAddress> unreachable;
};

// Runs the loop until `done` or `limit` has passed.
template <class Done>
bool runUntil(asio::io_context& io, Done done,
              std::chrono::milliseconds limit = std::chrono::seconds(2)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.run_for(std::chrono::milliseconds(10));
    io.restart();
  }
  return done();
}

TEST(UdpListenerTest, GetsTheBuffersItAsksForBeyondTheKernelDefault) {
  // Root (which the suite runs as) has CAP_NET_ADMIN, so the kernel's rmem_max does not cap it.
  if (geteuid() != 0) GTEST_SKIP() << "needs CAP_NET_ADMIN";
  asio::io_context io;
  auto listener = std::make_shared<UdpListener>(io);
  ASSERT_FALSE(listener->bind(kLoopback, {8 * 1024 * 1024, 2 * 1024 * 1024}));
  EXPECT_EQ(listener->buffers().receive, 8u * 1024 * 1024);
  EXPECT_EQ(listener->buffers().send, 2u * 1024 * 1024);
}

TEST(UdpListenerTest, ZeroKeepsTheKernelDefaults) {
  asio::io_context io;
  udp::socket plain(io, kLoopback);
  const auto defaults = SocketBuffers::actual(plain.native_handle());
  auto listener = std::make_shared<UdpListener>(io);
  ASSERT_FALSE(listener->bind(kLoopback));
  EXPECT_EQ(listener->buffers().receive, defaults.receive);
  EXPECT_EQ(listener->buffers().send, defaults.send);
}

TEST(UdpListenerTest, CountsTheDatagramsItsFullReceiveBufferDropped) {
  asio::io_context io;
  auto listener = std::make_shared<UdpListener>(io);
  ASSERT_FALSE(listener->bind(kLoopback, {65536, 0}));
  EXPECT_EQ(listener->drops(), 0u);
  // Nothing reads (the loop never runs): 64 KiB holds a few dozen of these, the rest are dropped.
  udp::socket client(io, kLoopback);
  const std::string datagram(1000, 'x');
  for (int i = 0; i < 500; ++i) {
    client.send_to(asio::buffer(datagram), toEndpoint<udp::endpoint>(listener->local()));
  }
  EXPECT_GT(listener->drops(), 300u);
  EXPECT_LT(listener->drops(), 500u);
}

TEST(UdpListenerTest, ReportsADestinationThatAnswersPortUnreachable) {
  asio::io_context io;
  Recording recording(io);
  ASSERT_TRUE(recording.bound);
  const auto closed = closedPort(io);
  ASSERT_TRUE(recording.listener->sendTo(closed, "OPTIONS sip:x SIP/2.0\r\n\r\n"));
  ASSERT_TRUE(runUntil(io, [&] { return !recording.unreachable.empty(); }))
      << "no ICMP report for a closed port";
  EXPECT_EQ(recording.unreachable.front(), closed);
  EXPECT_EQ(recording.unreachable.size(), 1u);
  EXPECT_TRUE(recording.datagrams.empty());
}

TEST(UdpListenerTest, ReportsNothingForADestinationThatListens) {
  asio::io_context io;
  Recording recording(io);
  ASSERT_TRUE(recording.bound);
  Recording peer(io);
  ASSERT_TRUE(peer.bound);
  ASSERT_TRUE(recording.listener->sendTo(peer.listener->local(), "hello"));
  ASSERT_TRUE(runUntil(io, [&] { return !peer.datagrams.empty(); }));
  // Time for a report that must not come (on loopback it comes within a millisecond).
  runUntil(
      io, [] { return false; }, std::chrono::milliseconds(200));
  EXPECT_TRUE(recording.unreachable.empty());
  EXPECT_TRUE(peer.unreachable.empty());
}

// Linux hands a pending ICMP error to the next call on the socket, a send as well: a send to a
// live peer right after one to a closed port must still go out, and the report still come.
TEST(UdpListenerTest, ASendAfterAnUnreadIcmpErrorStillGoesOut) {
  asio::io_context io;
  Recording recording(io);
  ASSERT_TRUE(recording.bound);
  Recording peer(io);
  ASSERT_TRUE(peer.bound);
  const auto closed = closedPort(io);
  ASSERT_TRUE(recording.listener->sendTo(closed, "to nobody"));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the ICMP error is queued now
  EXPECT_TRUE(recording.listener->sendTo(peer.listener->local(), "to the peer"));
  ASSERT_TRUE(
      runUntil(io, [&] { return !peer.datagrams.empty() && !recording.unreachable.empty(); }))
      << "datagrams: " << peer.datagrams.size() << ", reports: " << recording.unreachable.size();
  EXPECT_EQ(peer.datagrams.front(), "to the peer");
  EXPECT_EQ(recording.unreachable.front(), closed);
}

TEST(UdpListenerTest, ReportsUnreachableDestinationsOverIpv6Too) {
  asio::io_context io;
  const udp::endpoint loopback6(asio::ip::make_address("::1"), 0);
  Recording recording(io, loopback6);
  if (!recording.bound) GTEST_SKIP() << "no IPv6 loopback";
  const auto closed = closedPort(io, loopback6);
  ASSERT_TRUE(recording.listener->sendTo(closed, "OPTIONS sip:x SIP/2.0\r\n\r\n"));
  ASSERT_TRUE(runUntil(io, [&] { return !recording.unreachable.empty(); }));
  EXPECT_EQ(recording.unreachable.front(), closed);
}

}  // namespace
}  // namespace rtcgate::io
