#include "io/UdpListener.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>

#include "io/AddressConversion.hpp"

namespace rtcgate::io {
namespace {

namespace asio = boost::asio;
using asio::ip::udp;

const udp::endpoint kLoopback(asio::ip::make_address("127.0.0.1"), 0);

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

}  // namespace
}  // namespace rtcgate::io
