// Calls and registrations outlive TCP/TLS connections (RFC 3261 18.1.1): a phone's connection
// that closes is replaced by a new one to its Contact, as Kamailio does; only the flows that
// nothing else can reach (RFC 5626 outbound, WebSocket) die with their connection.
#include <gtest/gtest.h>

#include "unit/proxy/ProxyHarness.hpp"

namespace rtcgate::proxy {
namespace {

using sip::SipMessage;

class ProxyReconnectTest : public testing::ProxyHarness {
 protected:
  void configure(ProxyOptions& options) override {
    options.listeners.push_back({sip::Transport::Tcp, tcpLocal, "127.0.0.1"});
  }

  // dave's phone listens on TCP 5090 and registered over connection 9 (from an ephemeral port).
  const SocketAddress tcpLocal = address("127.0.0.1", 5062);
  const SocketAddress dave = address("127.0.0.1", 5090);
  const sip::Flow daveFlow{sip::Transport::Tcp, tcpLocal, address("127.0.0.1", 41000), 9};
  static constexpr const char* kDaveContact = "sip:dave@127.0.0.1:5090;transport=tcp";

  // dave (TCP) calls bob (UDP), bob answers; returns bob's route set toward dave.
  std::vector<std::string> daveCallsBob() {
    proxy_->onMessage(
        "INVITE sip:bob@localhost SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:41000;branch=z9hG4bK-d1\r\n"
        "Max-Forwards: 70\r\nFrom: <sip:dave@localhost>;tag=dave1\r\nTo: <sip:bob@localhost>\r\n"
        "Call-ID: call-d\r\nCSeq: 1 INVITE\r\nContact: <" +
            std::string(kDaveContact) + ">\r\nContent-Length: 0\r\n\r\n",
        daveFlow);
    auto forwarded = sentTo(bob, "INVITE");
    EXPECT_TRUE(forwarded);
    auto routes = answerWith200(*forwarded, bobFlow, "bob1", "<sip:bob@127.0.0.1:5070>");
    EXPECT_TRUE(countSentTo(daveFlow.remote, "SIP/2.0 200") == 1);
    sent_.clear();
    return routes;
  }

  std::string byeFromBob(const std::vector<std::string>& routes) const {
    std::string text = std::string("BYE ") + kDaveContact +
                       " SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-b1\r\n"
                       "Max-Forwards: 70\r\n";
    for (const auto& route : routes) text += "Route: " + route + "\r\n";
    return text +
           "From: <sip:bob@localhost>;tag=bob1\r\nTo: <sip:dave@localhost>;tag=dave1\r\n"
           "Call-ID: call-d\r\nCSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n";
  }
};

TEST_F(ProxyReconnectTest, APhonesRegistrationOutlivesItsConnection) {
  bind("dave", daveFlow, kDaveContact);
  EXPECT_TRUE(proxy_->connectionInUse(9));
  proxy_->onConnectionClosed(9);
  EXPECT_FALSE(proxy_->connectionInUse(9));
  const auto bindings = location_.lookup("dave@localhost", wallSeconds(timers_.wallNow()));
  ASSERT_EQ(bindings.size(), 1u);
  EXPECT_EQ(bindings[0].flow.transport, sip::Transport::Tcp);
  EXPECT_EQ(bindings[0].flow.remote, dave);
  EXPECT_EQ(bindings[0].flow.connectionId, 0u);  // the transports open a new connection

  proxy_->onMessage(
      "INVITE sip:dave@localhost SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-i1\r\n"
      "Max-Forwards: 70\r\nFrom: <sip:bob@localhost>;tag=bob9\r\nTo: <sip:dave@localhost>\r\n"
      "Call-ID: call-i\r\nCSeq: 1 INVITE\r\nContact: <sip:bob@127.0.0.1:5070>\r\n"
      "Content-Length: 0\r\n\r\n",
      bobFlow);
  EXPECT_EQ(countSentTo(dave, "INVITE"), 1u);
}

TEST_F(ProxyReconnectTest, FlowsOnlyTheirConnectionReachesDieWithIt) {
  Binding outbound;
  outbound.key = "<urn:uuid:d>;reg-id=1";
  outbound.contact = kDaveContact;
  outbound.expiresAt = wallSeconds(timers_.wallNow()) + std::chrono::hours(1);
  outbound.flow = daveFlow;
  outbound.flags = Binding::kOutbound;
  location_.save("dave@localhost", outbound);
  proxy_->onConnectionClosed(9);
  EXPECT_TRUE(location_.lookup("dave@localhost", wallSeconds(timers_.wallNow())).empty());
  proxy_->onConnectionClosed(browser.connectionId);
  EXPECT_TRUE(location_.lookup("carol@localhost", wallSeconds(timers_.wallNow())).empty());
}

TEST_F(ProxyReconnectTest, ATcpCallGoesOnWhenItsConnectionCloses) {
  const auto routes = daveCallsBob();
  EXPECT_TRUE(proxy_->connectionInUse(9));
  proxy_->onConnectionClosed(9);
  EXPECT_EQ(countSentTo(bob, "BYE"), 0u);
  EXPECT_TRUE(ended_.empty());
  EXPECT_FALSE(proxy_->connectionInUse(9));

  // bob's BYE carries the token of connection 9: the call knows where dave is now.
  proxy_->onMessage(byeFromBob(routes), bobFlow);
  ASSERT_EQ(countSentTo(dave, "BYE"), 1u);
  for (const auto& [flow, bytes] : sent_) {
    if (flow.remote == dave) {
      EXPECT_EQ(flow.transport, sip::Transport::Tcp);
      EXPECT_EQ(flow.connectionId, 0u);
    }
  }
}

}  // namespace
}  // namespace rtcgate::proxy
