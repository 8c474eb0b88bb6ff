#include "io/TransportManager.hpp"

#include <gtest/gtest.h>

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "unit/io/IoTestSupport.hpp"
#include "unit/io/SocketOptions.hpp"

namespace rtcgate::io::testing {
namespace {

using asio::ip::tcp;
using asio::ip::udp;

class TransportManagerTest : public TransportTest {};

TEST_F(TransportManagerTest, UdpDatagramInAndReplyOutThroughTheSameFlow) {
  ASSERT_TRUE(start(optionsFor({Transport::Udp})).ok());
  const auto local = listener(Transport::Udp).local;
  EXPECT_NE(local.port(), 0);

  udp::socket client(io_.io(), udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto request = sipMessage("OPTIONS");
  client.send_to(asio::buffer(request), toEndpoint<udp::endpoint>(local));
  ASSERT_TRUE(recorder_.waitMessages(1));
  const auto received = recorder_.messages()[0];
  EXPECT_EQ(received.message, request);
  EXPECT_EQ(received.flow.transport, Transport::Udp);
  EXPECT_EQ(received.flow.local, local);
  EXPECT_EQ(received.flow.remote, toSocketAddress(client.local_endpoint()));
  EXPECT_EQ(received.flow.connectionId, 0u);

  std::string reply(100, '\0');
  udp::endpoint sender;
  Pending pending;
  onIo([&] {
    client.async_receive_from(asio::buffer(reply), sender, pending.handler());
    return 0;
  });
  EXPECT_TRUE(send(received.flow, "SIP/2.0 200 OK\r\n\r\n"));
  const auto result = pending.wait();
  ASSERT_FALSE(result.timedOut || result.error);
  EXPECT_EQ(reply.substr(0, result.bytes), "SIP/2.0 200 OK\r\n\r\n");
  EXPECT_EQ(toSocketAddress(sender), local);
  EXPECT_EQ(stats().datagramsReceived, 1u);
  EXPECT_EQ(stats().messagesReceived[TransportStats::at(Transport::Udp)], 1u);
}

TEST_F(TransportManagerTest, UdpOversizeDatagramIsDroppedAndCounted) {
  auto options = optionsFor({Transport::Udp});
  options.maxMessageSize = 200;
  ASSERT_TRUE(start(options).ok());
  udp::socket client(io_.io(), udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto target = endpointOf<udp::endpoint>(Transport::Udp);
  client.send_to(asio::buffer(sipMessage("MESSAGE", std::string(300, 'x'))), target);
  client.send_to(asio::buffer(sipMessage("OPTIONS")), target);
  ASSERT_TRUE(recorder_.waitMessages(1));
  EXPECT_EQ(recorder_.messages()[0].message, sipMessage("OPTIONS"));
  EXPECT_EQ(stats().oversizeRefused, 1u);
  EXPECT_EQ(stats().datagramsReceived, 2u);
}

TEST_F(TransportManagerTest, TcpFramesTwoMessagesFromOneWrite) {
  ASSERT_TRUE(start(optionsFor({Transport::Tcp})).ok());
  auto client = connectTcp(Transport::Tcp);
  const auto first = sipMessage("INVITE", "v=0\r\n");
  const auto second = sipMessage("BYE");
  ASSERT_FALSE(write(client, first + second).error);
  ASSERT_TRUE(recorder_.waitMessages(2));
  const auto messages = recorder_.messages();
  EXPECT_EQ(messages[0].message, first);
  EXPECT_EQ(messages[1].message, second);
  EXPECT_EQ(messages[0].flow.transport, Transport::Tcp);
  EXPECT_NE(messages[0].flow.connectionId, 0u);
  EXPECT_EQ(messages[0].flow.connectionId, messages[1].flow.connectionId);
  EXPECT_EQ(messages[0].flow.remote, toSocketAddress(client.local_endpoint()));
  EXPECT_EQ(messages[0].flow.local, listener(Transport::Tcp).local);
}

TEST_F(TransportManagerTest, TcpJoinsAMessageSplitAcrossWrites) {
  ASSERT_TRUE(start(optionsFor({Transport::Tcp})).ok());
  auto client = connectTcp(Transport::Tcp);
  const auto message = sipMessage("MESSAGE", "hello world");
  const auto cut = message.size() - 5;  // inside the body
  ASSERT_FALSE(write(client, message.substr(0, 20)).error);
  ASSERT_FALSE(write(client, message.substr(20, cut - 20)).error);
  EXPECT_FALSE(recorder_.waitMessages(1, 100ms));
  ASSERT_FALSE(write(client, message.substr(cut)).error);
  ASSERT_TRUE(recorder_.waitMessages(1));
  EXPECT_EQ(recorder_.messages()[0].message, message);
}

TEST_F(TransportManagerTest, TcpCrlfPingGetsPong) {
  ASSERT_TRUE(start(optionsFor({Transport::Tcp})).ok());
  auto client = connectTcp(Transport::Tcp);
  ASSERT_FALSE(write(client, "\r\n\r\n").error);
  EXPECT_EQ(readExactly(client, 2), "\r\n");
  EXPECT_EQ(stats().keepAlivePingsAnswered, 1u);
  // A ping right before a message does not disturb framing.
  ASSERT_FALSE(write(client, "\r\n\r\n" + sipMessage("OPTIONS")).error);
  EXPECT_EQ(readExactly(client, 2), "\r\n");
  ASSERT_TRUE(recorder_.waitMessages(1));
  EXPECT_EQ(recorder_.messages()[0].message, sipMessage("OPTIONS"));
}

TEST_F(TransportManagerTest, TcpRepliesGoBackOverTheSameConnection) {
  ASSERT_TRUE(start(optionsFor({Transport::Tcp})).ok());
  auto client = connectTcp(Transport::Tcp);
  ASSERT_FALSE(write(client, sipMessage("REGISTER")).error);
  ASSERT_TRUE(recorder_.waitMessages(1));
  auto flow = recorder_.messages()[0].flow;
  EXPECT_TRUE(onIo([&] { return manager_->isOpen(flow.connectionId); }));

  const std::string reply = "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n";
  ASSERT_TRUE(send(flow, reply));
  EXPECT_EQ(readExactly(client, reply.size()), reply);

  // Without the connection id, the open connection to the same peer is reused (RFC 3261 18.2.2).
  flow.connectionId = 0;
  ASSERT_TRUE(send(flow, reply));
  EXPECT_EQ(readExactly(client, reply.size()), reply);
  EXPECT_EQ(stats().connectionsOutbound[TransportStats::at(Transport::Tcp)], 0u);
}

TEST_F(TransportManagerTest, ClosedConnectionIsReported) {
  ASSERT_TRUE(start(optionsFor({Transport::Tcp})).ok());
  auto client = connectTcp(Transport::Tcp);
  ASSERT_FALSE(write(client, sipMessage("REGISTER")).error);
  ASSERT_TRUE(recorder_.waitMessages(1));
  const auto id = recorder_.messages()[0].flow.connectionId;
  EXPECT_EQ(stats().connectionsOpen[TransportStats::at(Transport::Tcp)], 1u);

  closeOnIo(client);
  ASSERT_TRUE(recorder_.waitClosed(1));
  EXPECT_EQ(recorder_.closedIds()[0], id);
  EXPECT_FALSE(onIo([&] { return manager_->isOpen(id); }));
  EXPECT_EQ(stats().connectionsOpen[TransportStats::at(Transport::Tcp)], 0u);
}

TEST_F(TransportManagerTest, TcpOversizeMessageClosesTheConnection) {
  auto options = optionsFor({Transport::Tcp});
  options.maxMessageSize = 300;
  ASSERT_TRUE(start(options).ok());
  auto client = connectTcp(Transport::Tcp);
  ASSERT_FALSE(write(client, sipMessage("MESSAGE", std::string(500, 'x'))).error);
  EXPECT_TRUE(closedByPeer(client));
  EXPECT_EQ(stats().oversizeRefused, 1u);
  EXPECT_TRUE(recorder_.messages().empty());
}

TEST_F(TransportManagerTest, TcpEndlessHeaderIsRefused) {
  auto options = optionsFor({Transport::Tcp});
  options.maxMessageSize = 300;
  ASSERT_TRUE(start(options).ok());
  auto client = connectTcp(Transport::Tcp);
  ASSERT_FALSE(write(client, "INVITE sip:a@b SIP/2.0\r\nX: " + std::string(400, 'y')).error);
  EXPECT_TRUE(closedByPeer(client));
  EXPECT_EQ(stats().oversizeRefused, 1u);
}

TEST_F(TransportManagerTest, TcpGarbageIsAFramingError) {
  ASSERT_TRUE(start(optionsFor({Transport::Tcp})).ok());
  auto client = connectTcp(Transport::Tcp);
  ASSERT_FALSE(write(client, "OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x\r\n\r\n").error);
  EXPECT_TRUE(closedByPeer(client));
  EXPECT_EQ(stats().framingErrors, 1u);
}

TEST_F(TransportManagerTest, PerSourceConnectionLimitIsEnforced) {
  auto options = optionsFor({Transport::Tcp});
  options.maxConnectionsPerSource = 2;
  ASSERT_TRUE(start(options).ok());
  auto first = connectTcp(Transport::Tcp);
  auto second = connectTcp(Transport::Tcp);
  // Make sure both were accepted before the third arrives.
  ASSERT_FALSE(write(first, sipMessage("OPTIONS")).error);
  ASSERT_FALSE(write(second, sipMessage("OPTIONS")).error);
  ASSERT_TRUE(recorder_.waitMessages(2));

  auto third = connectTcp(Transport::Tcp);
  EXPECT_TRUE(closedByPeer(third));
  EXPECT_EQ(stats().connectionLimitRefused, 1u);

  closeOnIo(first);
  ASSERT_TRUE(recorder_.waitClosed(1));
  auto fourth = connectTcp(Transport::Tcp);
  ASSERT_FALSE(write(fourth, sipMessage("OPTIONS")).error);
  ASSERT_TRUE(recorder_.waitMessages(3));
  EXPECT_EQ(stats().connectionLimitRefused, 1u);
}

TEST_F(TransportManagerTest, ConnectionCapCountsAllSources) {
  auto options = optionsFor({Transport::Tcp});
  options.maxConnections = 1;
  ASSERT_TRUE(start(options).ok());
  auto first = connectTcp(Transport::Tcp);
  ASSERT_FALSE(write(first, sipMessage("OPTIONS")).error);
  ASSERT_TRUE(recorder_.waitMessages(1));

  auto second = connectTcp(Transport::Tcp);
  EXPECT_TRUE(closedByPeer(second));
  EXPECT_EQ(stats().connectionCapRefused, 1u);
  EXPECT_EQ(stats().connectionLimitRefused, 0u);

  closeOnIo(first);
  ASSERT_TRUE(recorder_.waitClosed(1));
  auto third = connectTcp(Transport::Tcp);
  ASSERT_FALSE(write(third, sipMessage("OPTIONS")).error);
  ASSERT_TRUE(recorder_.waitMessages(2));
}

TEST_F(TransportManagerTest, IdleConnectionIsClosed) {
  auto options = optionsFor({Transport::Tcp});
  options.idleTimeout = 200ms;
  ASSERT_TRUE(start(options).ok());
  auto client = connectTcp(Transport::Tcp);
  ASSERT_FALSE(write(client, sipMessage("REGISTER")).error);
  ASSERT_TRUE(recorder_.waitMessages(1));
  const auto begin = std::chrono::steady_clock::now();
  EXPECT_TRUE(closedByPeer(client));
  EXPECT_GE(std::chrono::steady_clock::now() - begin, 150ms);
  ASSERT_TRUE(recorder_.waitClosed(1));
  EXPECT_EQ(stats().connectionsIdleClosed, 1u);
}

TEST_F(TransportManagerTest, TrafficKeepsAConnectionOpen) {
  auto options = optionsFor({Transport::Tcp});
  options.idleTimeout = 300ms;
  ASSERT_TRUE(start(options).ok());
  auto client = connectTcp(Transport::Tcp);
  for (int i = 0; i < 5; ++i) {
    std::this_thread::sleep_for(100ms);
    ASSERT_FALSE(write(client, "\r\n\r\n").error);
    EXPECT_EQ(readExactly(client, 2), "\r\n");
  }
  EXPECT_EQ(stats().connectionsIdleClosed, 0u);
}

TEST_F(TransportManagerTest, SendOpensAnOutboundTcpConnection) {
  ASSERT_TRUE(start(optionsFor({Transport::Tcp})).ok());
  tcp::acceptor acceptor(io_.io(), tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  tcp::socket peer(io_.io());
  Pending accepted;
  onIo([&] {
    acceptor.async_accept(peer, accepted.handler());
    return 0;
  });

  const auto request = sipMessage("INVITE");
  const sip::Flow flow{Transport::Tcp, listener(Transport::Tcp).local,
                       toSocketAddress(acceptor.local_endpoint()), 0};
  ASSERT_TRUE(send(flow, request));
  ASSERT_TRUE(send(flow, request));  // queued behind the connect, same connection
  ASSERT_FALSE(accepted.wait().error);
  EXPECT_EQ(readExactly(peer, request.size() * 2), request + request);
  EXPECT_EQ(stats().connectionsOutbound[TransportStats::at(Transport::Tcp)], 1u);
  // Like accepted ones (AcceptedStreamSocketsSendWithoutDelay), without Nagle's wait.
  EXPECT_EQ(tcpNoDelayOf(peer.remote_endpoint(), peer.local_endpoint()), 1);

  // The peer answers over that connection; the flow names it.
  const std::string reply = "SIP/2.0 100 Trying\r\nContent-Length: 0\r\n\r\n";
  ASSERT_FALSE(write(peer, reply).error);
  ASSERT_TRUE(recorder_.waitMessages(1));
  const auto received = recorder_.messages()[0];
  EXPECT_EQ(received.message, reply);
  EXPECT_NE(received.flow.connectionId, 0u);
  EXPECT_EQ(received.flow.local, toSocketAddress(peer.remote_endpoint()));
  EXPECT_EQ(received.flow.remote, flow.remote);
}

// A response written right behind another (a 407 after its 100 Trying) leaves at once instead of
// waiting for the peer's delayed ACK of the first (Nagle: about 40 ms).
TEST_F(TransportManagerTest, AcceptedStreamSocketsSendWithoutDelay) {
  ASSERT_TRUE(start(optionsFor({Transport::Tcp, Transport::Ws})).ok());
  for (const auto transport : {Transport::Tcp, Transport::Ws}) {
    auto client = connectTcp(transport);
    // The test's own socket keeps the kernel's default: the probe sees what it should.
    EXPECT_EQ(tcpNoDelayOf(client.local_endpoint(), client.remote_endpoint()), 0);
    EXPECT_EQ(tcpNoDelayOf(client.remote_endpoint(), client.local_endpoint()), 1)
        << sip::transportParamName(transport);
  }
}

TEST_F(TransportManagerTest, FailedOutboundConnectIsCounted) {
  ASSERT_TRUE(start(optionsFor({Transport::Tcp})).ok());
  // A port that was just free: nothing listens there.
  tcp::acceptor probe(io_.io(), tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto target = toSocketAddress(probe.local_endpoint());
  probe.close();
  ASSERT_TRUE(send({Transport::Tcp, {}, target, 0}, sipMessage("OPTIONS")));
  for (int i = 0; i < 100 && stats().sendFailures == 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(stats().sendFailures, 1u);
  EXPECT_EQ(stats().connectionsOpen[TransportStats::at(Transport::Tcp)], 0u);
}

// ICMP port unreachable for a UDP destination is reported like a failed connection, with the
// flow of the listener that sent to it, and counted.
TEST_F(TransportManagerTest, UnreachableUdpDestinationIsReportedAsAFailedFlow) {
  std::mutex mutex;
  std::vector<sip::Flow> failed;
  ASSERT_TRUE(onIo([&] {
                manager_ =
                    std::make_unique<TransportManager>(io_.io(), optionsFor({Transport::Udp}));
                manager_->onConnectFailed([&](const sip::Flow& flow) {
                  std::lock_guard lock(mutex);
                  failed.push_back(flow);
                });
                return manager_->start();
              }).ok());
  udp::socket probe(io_.io(), udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto target = toSocketAddress(probe.local_endpoint());
  probe.close();
  ASSERT_TRUE(send({Transport::Udp, {}, target, 0}, sipMessage("OPTIONS")));
  for (int i = 0; i < 200 && stats().udpUnreachable == 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(stats().udpUnreachable, 1u);
  const auto local = listener(Transport::Udp).local;
  std::lock_guard lock(mutex);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].transport, Transport::Udp);
  EXPECT_EQ(failed[0].local, local);
  EXPECT_EQ(failed[0].remote, target);
  EXPECT_EQ(failed[0].connectionId, 0u);
}

TEST_F(TransportManagerTest, WebSocketCannotBeOpenedOutbound) {
  ASSERT_TRUE(start(optionsFor({Transport::Udp})).ok());
  const auto remote = *SocketAddress::parse("127.0.0.1", 9);
  EXPECT_FALSE(send({Transport::Ws, {}, remote, 0}, "x"));
  EXPECT_FALSE(send({Transport::Wss, {}, remote, 42}, "x"));
  EXPECT_EQ(stats().sendFailures, 2u);
}

TEST_F(TransportManagerTest, StartNamesTheListenerThatFailed) {
  tcp::acceptor busy(io_.io(), tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  auto options = optionsFor({Transport::Udp});
  options.listen.push_back({Transport::Tcp, "127.0.0.1", busy.local_endpoint().port()});
  const auto status = start(options);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().rfind(
                "tcp://127.0.0.1:" + std::to_string(busy.local_endpoint().port()) + ": ", 0),
            0u)
      << status.error();
  EXPECT_TRUE(onIo([&] { return manager_->listeners().empty(); }));

  auto bad = optionsFor({});
  bad.listen.push_back({Transport::Udp, "example.test", 5060});
  EXPECT_EQ(start(bad).error(), "udp://example.test:5060: host must be an IP address");
}

TEST_F(TransportManagerTest, ListsListenersWithTheirBoundPorts) {
  ASSERT_TRUE(start(optionsFor({Transport::Udp, Transport::Tcp, Transport::Ws})).ok());
  const auto all = onIo([&] { return manager_->listeners(); });
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].transport, Transport::Udp);
  EXPECT_EQ(all[1].transport, Transport::Tcp);
  EXPECT_EQ(all[2].transport, Transport::Ws);
  for (const auto& flow : all) {
    EXPECT_NE(flow.local.port(), 0);
    EXPECT_EQ(flow.local.host(), "127.0.0.1");
  }
  EXPECT_FALSE(onIo([&] { return manager_->listenerFlow(Transport::Tls).has_value(); }));
}

TEST_F(TransportManagerTest, StopClosesConnectionsAndListeners) {
  ASSERT_TRUE(start(optionsFor({Transport::Tcp})).ok());
  const auto target = endpointOf<tcp::endpoint>(Transport::Tcp);
  auto client = connectTcp(Transport::Tcp);
  ASSERT_FALSE(write(client, sipMessage("OPTIONS")).error);
  ASSERT_TRUE(recorder_.waitMessages(1));
  onIo([&] {
    manager_->stop();
    return 0;
  });
  EXPECT_TRUE(closedByPeer(client));
  EXPECT_EQ(recorder_.closedIds().size(), 1u);
  EXPECT_EQ(onIo([&] { return manager_->connectionCount(); }), 0u);
  tcp::socket late(io_.io());
  const auto result = await([&](auto handler) { late.async_connect(target, handler); });
  EXPECT_TRUE(result.error);
}

TEST_F(TransportManagerTest, Ipv6Loopback) {
  auto options = optionsFor({});
  options.listen.push_back({Transport::Udp, "::1", 0});
  const auto status = start(options);
  if (!status.ok()) GTEST_SKIP() << "no IPv6 loopback: " << status.error();
  const auto local = listener(Transport::Udp).local;
  EXPECT_TRUE(local.isV6());
  udp::socket client(io_.io(), udp::endpoint(asio::ip::make_address("::1"), 0));
  client.send_to(asio::buffer(sipMessage("OPTIONS")), toEndpoint<udp::endpoint>(local));
  ASSERT_TRUE(recorder_.waitMessages(1));
  EXPECT_EQ(recorder_.messages()[0].flow.remote.host(), "::1");
}

}  // namespace
}  // namespace rtcgate::io::testing
