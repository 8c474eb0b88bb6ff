#include "proxy/Registrar.hpp"

#include <gtest/gtest.h>

namespace rtcgate::proxy {
namespace {

using namespace std::chrono_literals;

const WallSeconds kNow{std::chrono::seconds(1'800'000'000)};
constexpr std::string_view kAor = "alice@example.test";

sip::Flow udpFlow() {
  sip::Flow flow;
  flow.transport = sip::Transport::Udp;
  flow.local = *SocketAddress::parse("127.0.0.1", 5060);
  flow.remote = *SocketAddress::parse("198.51.100.7", 40123);
  return flow;
}

sip::Flow connectionFlow(sip::Transport transport, std::uint64_t connectionId) {
  sip::Flow flow = udpFlow();
  flow.transport = transport;
  flow.connectionId = connectionId;
  flow.remote.setPort(static_cast<std::uint16_t>(50000 + connectionId));
  return flow;
}

sip::SipMessage registerRequest(std::string_view headers, std::uint32_t cseq = 1,
                                std::string_view callId = "reg-call-1@198.51.100.7") {
  std::string text =
      "REGISTER sip:example.test SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 198.51.100.7:40123;branch=z9hG4bK-" +
      std::to_string(cseq) +
      "\r\n"
      "Max-Forwards: 70\r\n"
      "To: <sip:alice@example.test>\r\n"
      "From: <sip:alice@example.test>;tag=456248\r\n"
      "Call-ID: " +
      std::string(callId) + "\r\nCSeq: " + std::to_string(cseq) + " REGISTER\r\n" +
      std::string(headers) + "Content-Length: 0\r\n\r\n";
  auto parsed = sip::SipMessage::parse(std::move(text));
  EXPECT_TRUE(parsed.ok()) << parsed.error();
  return std::move(parsed).value();
}

class RegistrarTest : public ::testing::Test {
 protected:
  sip::SipMessage send(std::string_view headers, std::uint32_t cseq = 1,
                       std::string_view callId = "reg-call-1@198.51.100.7",
                       const sip::Flow& flow = udpFlow(), WallSeconds now = kNow) {
    return registrar_.handle(registerRequest(headers, cseq, callId), flow, kAor, now);
  }
  std::vector<std::string_view> contacts(const sip::SipMessage& response) {
    return response.all(sip::HeaderId::Contact);
  }

  LocationService location_{nullptr};
  Registrar registrar_{location_};
};

TEST_F(RegistrarTest, AddsBindingWithFlowAndListsIt) {
  auto response =
      send("Contact: <sip:alice@198.51.100.7:5060>\r\nExpires: 600\r\nUser-Agent: phone/2\r\n");
  EXPECT_EQ(response.statusCode(), 200);
  EXPECT_FALSE(response.toTag().empty());
  ASSERT_EQ(contacts(response).size(), 1u);
  EXPECT_EQ(contacts(response)[0], "<sip:alice@198.51.100.7:5060>;expires=600");
  EXPECT_EQ(response.find(sip::HeaderId::Require), nullptr);

  auto bindings = location_.lookup(kAor, kNow);
  ASSERT_EQ(bindings.size(), 1u);
  EXPECT_EQ(bindings[0].contact, "sip:alice@198.51.100.7:5060");
  EXPECT_EQ(bindings[0].expiresAt, kNow + 600s);
  EXPECT_EQ(bindings[0].userAgent, "phone/2");
  EXPECT_EQ(bindings[0].flow.remote, udpFlow().remote);
  EXPECT_EQ(bindings[0].callId, "reg-call-1@198.51.100.7");
  EXPECT_FALSE(bindings[0].outbound());
}

TEST_F(RegistrarTest, DefaultAndClampedExpires) {
  auto response = send("Contact: <sip:a@198.51.100.7>\r\n");
  EXPECT_EQ(contacts(response)[0], "<sip:a@198.51.100.7>;expires=3600");
  response = send("Contact: <sip:a@198.51.100.7>;expires=99999999999\r\n", 2);
  EXPECT_EQ(response.statusCode(), 200);
  EXPECT_EQ(contacts(response)[0], "<sip:a@198.51.100.7>;expires=3600");
  // The contact parameter wins over the header.
  response = send("Contact: <sip:a@198.51.100.7>;expires=120\r\nExpires: 900\r\n", 3);
  EXPECT_EQ(contacts(response)[0], "<sip:a@198.51.100.7>;expires=120");
}

TEST_F(RegistrarTest, MalformedExpiresMeansDefault) {
  // RFC 3261 20.19: treated as 3600 (our default), not refused.
  auto response = send("Contact: <sip:x@198.51.100.7>;expires=soon\r\nExpires: 60\r\n", 1);
  EXPECT_EQ(response.statusCode(), 200);
  EXPECT_EQ(contacts(response)[0], "<sip:x@198.51.100.7>;expires=3600");
  response = send("Contact: <sip:y@198.51.100.7>\r\nExpires: later\r\n", 2);
  EXPECT_EQ(response.statusCode(), 200);
  EXPECT_EQ(location_.lookup(kAor, kNow).size(), 2u);
}

TEST_F(RegistrarTest, TooBriefIs423WithMinExpiresAndChangesNothing) {
  auto response = send("Contact: <sip:a@198.51.100.7>\r\nExpires: 30\r\n");
  EXPECT_EQ(response.statusCode(), 423);
  ASSERT_NE(response.find(sip::HeaderId::MinExpires), nullptr);
  EXPECT_EQ(response.find(sip::HeaderId::MinExpires)->value, "60");
  EXPECT_EQ(location_.bindingCount(), 0u);
  // One brief contact among good ones refuses the whole request.
  response = send("Contact: <sip:a@198.51.100.7>, <sip:b@198.51.100.7>;expires=5\r\n", 2);
  EXPECT_EQ(response.statusCode(), 423);
  EXPECT_EQ(location_.bindingCount(), 0u);
}

TEST_F(RegistrarTest, FetchListsWithoutChanging) {
  send("Contact: <sip:a@198.51.100.7>;q=0.5\r\nExpires: 600\r\n");
  auto response = send("", 2, "reg-call-1@198.51.100.7", udpFlow(), kNow + 100s);
  EXPECT_EQ(response.statusCode(), 200);
  ASSERT_EQ(contacts(response).size(), 1u);
  EXPECT_EQ(contacts(response)[0], "<sip:a@198.51.100.7>;expires=500;q=0.5");
  EXPECT_EQ(send("", 3, "x", udpFlow(), kNow + 600s).all(sip::HeaderId::Contact).size(), 0u);
}

TEST_F(RegistrarTest, RefreshFollowsCallIdAndCSeqRules) {
  send("Contact: <sip:a@198.51.100.7>\r\nExpires: 600\r\n", 5);
  // Same Call-ID, higher CSeq: refresh.
  auto response = send("Contact: <sip:a@198.51.100.7>\r\nExpires: 1200\r\n", 6,
                       "reg-call-1@198.51.100.7", udpFlow(), kNow + 10s);
  EXPECT_EQ(response.statusCode(), 200);
  EXPECT_EQ(location_.lookup(kAor, kNow)[0].expiresAt, kNow + 1210s);
  // Same Call-ID, same or lower CSeq: out of order, nothing changes (RFC 3261 10.3 step 7).
  EXPECT_EQ(send("Contact: <sip:a@198.51.100.7>\r\nExpires: 0\r\n", 6).statusCode(), 500);
  EXPECT_EQ(send("Contact: <sip:a@198.51.100.7>\r\nExpires: 60\r\n", 4).statusCode(), 500);
  EXPECT_EQ(location_.lookup(kAor, kNow)[0].expiresAt, kNow + 1210s);
  // Another Call-ID (the UA rebooted): any CSeq updates.
  response = send("Contact: <sip:a@198.51.100.7>\r\nExpires: 300\r\n", 1, "reboot@198.51.100.7");
  EXPECT_EQ(response.statusCode(), 200);
  EXPECT_EQ(location_.lookup(kAor, kNow)[0].callId, "reboot@198.51.100.7");
  EXPECT_EQ(location_.bindingCount(), 1u);
}

TEST_F(RegistrarTest, RemovesWithExpiresZeroHeaderOrParameter) {
  send("Contact: <sip:a@198.51.100.7>, <sip:b@198.51.100.7>, <sip:c@198.51.100.7>\r\n", 1);
  EXPECT_EQ(location_.bindingCount(), 3u);
  auto response = send("Contact: <sip:a@198.51.100.7>\r\nExpires: 0\r\n", 2);
  EXPECT_EQ(response.statusCode(), 200);
  EXPECT_EQ(contacts(response).size(), 2u);
  response = send("Contact: <sip:b@198.51.100.7>;expires=0\r\nExpires: 600\r\n", 3);
  ASSERT_EQ(contacts(response).size(), 1u);
  EXPECT_EQ(contacts(response)[0], "<sip:c@198.51.100.7>;expires=3600");
}

TEST_F(RegistrarTest, StarWithExpiresZeroRemovesAll) {
  send("Contact: <sip:a@198.51.100.7>, <sip:b@198.51.100.7>\r\n", 1);
  auto response = send("Contact: *\r\nExpires: 0\r\n", 2);
  EXPECT_EQ(response.statusCode(), 200);
  EXPECT_TRUE(contacts(response).empty());
  EXPECT_EQ(location_.aorCount(), 0u);
}

TEST_F(RegistrarTest, StarMisuseIs400) {
  send("Contact: <sip:a@198.51.100.7>\r\n", 1);
  EXPECT_EQ(send("Contact: *\r\n", 2).statusCode(), 400);
  EXPECT_EQ(send("Contact: *\r\nExpires: 60\r\n", 3).statusCode(), 400);
  EXPECT_EQ(send("Contact: *, <sip:b@198.51.100.7>\r\nExpires: 0\r\n", 4).statusCode(), 400);
  EXPECT_EQ(location_.bindingCount(), 1u);
}

TEST_F(RegistrarTest, StarOutOfOrderIs500) {
  send("Contact: <sip:a@198.51.100.7>\r\n", 7);
  EXPECT_EQ(send("Contact: *\r\nExpires: 0\r\n", 7).statusCode(), 500);
  EXPECT_EQ(location_.bindingCount(), 1u);
}

TEST_F(RegistrarTest, SeveralContactsWithQValues) {
  auto response = send(
      "Contact: <sip:low@198.51.100.7>;q=0.1, <sip:high@198.51.100.7>;q=1.0\r\n"
      "Contact: <sip:mid@198.51.100.7>;q=0.75\r\n");
  EXPECT_EQ(response.statusCode(), 200);
  auto bindings = location_.lookup(kAor, kNow);
  ASSERT_EQ(bindings.size(), 3u);
  EXPECT_EQ(bindings[0].contact, "sip:high@198.51.100.7");
  EXPECT_EQ(bindings[1].q, 750);
  EXPECT_EQ(bindings[2].q, 100);
  EXPECT_EQ(contacts(response)[1], "<sip:mid@198.51.100.7>;expires=3600;q=0.75");
  EXPECT_EQ(send("Contact: <sip:x@198.51.100.7>;q=1.5\r\n", 2).statusCode(), 400);
  EXPECT_EQ(send("Contact: <sip:x@198.51.100.7>;q=abc\r\n", 3).statusCode(), 400);
  // An unparseable Contact never reaches the registrar: SipMessage::parse refuses it.
}

TEST_F(RegistrarTest, PathIsStoredAndEchoed) {
  auto response = send(
      "Path: <sip:edge1.example.test;lr>\r\nPath: <sip:edge2.example.test;lr>\r\n"
      "Supported: path\r\nContact: <sip:a@198.51.100.7>\r\n");
  EXPECT_EQ(response.statusCode(), 200);
  auto paths = response.all(sip::HeaderId::Path);
  ASSERT_EQ(paths.size(), 2u);
  EXPECT_EQ(paths[0], "<sip:edge1.example.test;lr>");
  EXPECT_EQ(paths[1], "<sip:edge2.example.test;lr>");
  EXPECT_EQ(location_.lookup(kAor, kNow)[0].path,
            "<sip:edge1.example.test;lr>, <sip:edge2.example.test;lr>");
}

TEST_F(RegistrarTest, OutboundBindsEachFlowAndReplacesSameRegId) {
  constexpr std::string_view kInstance = "\"<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>\"";
  const std::string flow1 =
      "Supported: outbound, path\r\nContact: <sip:x7@df7j.invalid;transport=ws>;+sip.instance=" +
      std::string(kInstance) + ";reg-id=1\r\n";
  const std::string flow2 =
      "Supported: outbound, path\r\nContact: <sip:x7@df7j.invalid;transport=ws>;+sip.instance=" +
      std::string(kInstance) + ";reg-id=2\r\n";
  auto response = send(flow1, 1, "ob-1", connectionFlow(sip::Transport::Wss, 7));
  EXPECT_EQ(response.statusCode(), 200);
  ASSERT_NE(response.find(sip::HeaderId::Require), nullptr);
  EXPECT_EQ(response.find(sip::HeaderId::Require)->value, "outbound");
  EXPECT_EQ(contacts(response)[0],
            "<sip:x7@df7j.invalid;transport=ws>;expires=3600;+sip.instance=" +
                std::string(kInstance) + ";reg-id=1");
  send(flow2, 1, "ob-2", connectionFlow(sip::Transport::Wss, 8));
  EXPECT_EQ(location_.bindingCount(), 2u);  // same Contact URI, two flows

  // The UA re-establishes flow 1 over a new connection: the old flow's binding is replaced.
  send(flow1, 1, "ob-3", connectionFlow(sip::Transport::Wss, 9));
  auto bindings = location_.lookup(kAor, kNow);
  ASSERT_EQ(bindings.size(), 2u);
  for (const auto& binding : bindings) {
    EXPECT_TRUE(binding.outbound());
    EXPECT_NE(binding.flow.connectionId, 7u);
  }
  EXPECT_EQ(location_.onConnectionClosed(7), 0u);
  EXPECT_EQ(location_.onConnectionClosed(9), 1u);
  bindings = location_.lookup(kAor, kNow);
  ASSERT_EQ(bindings.size(), 1u);
  EXPECT_EQ(bindings[0].regId, 2u);
  EXPECT_EQ(bindings[0].flow.connectionId, 8u);
}

TEST_F(RegistrarTest, OutboundOverUdpKeepsTheFlowAddress) {
  auto response =
      send("Contact: <sip:bob@10.0.0.2:5060>;+sip.instance=\"<urn:uuid:1>\";reg-id=1\r\n");
  EXPECT_NE(response.find(sip::HeaderId::Require), nullptr);
  const auto bindings = location_.lookup(kAor, kNow);
  ASSERT_EQ(bindings.size(), 1u);
  EXPECT_TRUE(bindings[0].outbound());
  EXPECT_EQ(bindings[0].flow.remote, udpFlow().remote);  // reach it at the NAT's address
}

TEST_F(RegistrarTest, OutboundBehindEdgeNeedsObPath) {
  const std::string contact =
      "Contact: <sip:a@10.0.0.2>;+sip.instance=\"<urn:uuid:1>\";reg-id=1\r\n";
  EXPECT_EQ(send("Path: <sip:edge.example.test;lr>\r\n" + contact, 1).statusCode(), 439);
  auto response = send("Path: <sip:edge.example.test;lr;ob>\r\n" + contact, 2);
  EXPECT_EQ(response.statusCode(), 200);
  EXPECT_NE(response.find(sip::HeaderId::Require), nullptr);
}

TEST_F(RegistrarTest, RegIdWithoutInstanceIsIgnoredAndTwoRegIdsRefused) {
  auto response = send("Contact: <sip:a@10.0.0.2>;reg-id=1\r\n", 1);
  EXPECT_EQ(response.statusCode(), 200);
  EXPECT_EQ(response.find(sip::HeaderId::Require), nullptr);
  EXPECT_FALSE(location_.lookup(kAor, kNow)[0].outbound());
  EXPECT_EQ(send("Contact: <sip:a@10.0.0.2>;+sip.instance=\"<urn:uuid:1>\";reg-id=1, "
                 "<sip:b@10.0.0.2>;+sip.instance=\"<urn:uuid:1>\";reg-id=2\r\n",
                 2)
                .statusCode(),
            400);
  EXPECT_EQ(send("Contact: <sip:a@10.0.0.2>;+sip.instance=\"<urn:uuid:1>\";reg-id=1, "
                 "<sip:b@10.0.0.2>\r\n",
                 3)
                .statusCode(),
            400);
}

TEST_F(RegistrarTest, ConnectionClosedRemovesPlainTcpBinding) {
  send("Contact: <sip:a@198.51.100.7;transport=tcp>\r\n", 1, "tcp-call",
       connectionFlow(sip::Transport::Tcp, 3));
  EXPECT_EQ(location_.lookup(kAor, kNow)[0].flow.connectionId, 3u);
  location_.onConnectionClosed(3);
  EXPECT_TRUE(contacts(send("", 2, "tcp-call")).empty());
}

TEST(RegistrarLimits, EvictsLeastRecentlyRefreshedBeyondMaxContacts) {
  LocationService location(nullptr);
  RegistrarOptions options;
  options.maxContacts = 2;
  Registrar registrar(location, options);
  auto reg = [&](std::string_view contact, std::uint32_t cseq, WallSeconds now) {
    return registrar.handle(
        registerRequest("Contact: <" + std::string(contact) + ">\r\n", cseq, "c"), udpFlow(), kAor,
        now);
  };
  EXPECT_EQ(reg("sip:one@10.0.0.1", 1, kNow).statusCode(), 200);
  EXPECT_EQ(reg("sip:two@10.0.0.2", 2, kNow + 1s).statusCode(), 200);
  EXPECT_EQ(reg("sip:one@10.0.0.1", 3, kNow + 2s).statusCode(), 200);  // refresh "one"
  auto response = reg("sip:three@10.0.0.3", 4, kNow + 3s);
  EXPECT_EQ(response.statusCode(), 200);
  auto bindings = location.lookup(kAor, kNow + 3s);
  ASSERT_EQ(bindings.size(), 2u);
  for (const auto& binding : bindings) EXPECT_NE(binding.contact, "sip:two@10.0.0.2");
  EXPECT_EQ(registrar
                .handle(registerRequest("Contact: <sip:a@1.1.1.1>, <sip:b@1.1.1.1>, "
                                        "<sip:c@1.1.1.1>\r\n",
                                        5, "c"),
                        udpFlow(), kAor, kNow + 4s)
                .statusCode(),
            403);
}

TEST(RegistrarLimits, ConfigurableMinExpires) {
  LocationService location(nullptr);
  RegistrarOptions options;
  options.minExpires = 300s;
  Registrar registrar(location, options);
  auto response = registrar.handle(registerRequest("Contact: <sip:a@10.0.0.1>\r\nExpires: 120\r\n"),
                                   udpFlow(), kAor, kNow);
  EXPECT_EQ(response.statusCode(), 423);
  EXPECT_EQ(response.find(sip::HeaderId::MinExpires)->value, "300");
}

}  // namespace
}  // namespace rtcgate::proxy
