// ProxyCore as an attacker sees it: what it refuses to forward, and which requests may touch a
// call (docs/security.md). The attack tests in tests/security drive the same through the binary.
#include <gtest/gtest.h>

#include "unit/proxy/ProxyHarness.hpp"

namespace rtcgate::proxy {
namespace {

using sip::SipMessage;

class ProxySecurityTest : public testing::ProxyHarness {
 protected:
  const SocketAddress alice = address("127.0.0.1", 5080);
  const SocketAddress stranger = address("127.0.0.1", 6666);
  const SocketAddress victim = address("127.0.0.2", 5060);
  const sip::Flow aliceFlow{sip::Transport::Udp, udpLocal, alice, 0};
  const sip::Flow strangerFlow{sip::Transport::Udp, udpLocal, stranger, 0};

  // alice (UDP) calls bob (UDP); bob answers. Returns the route set alice uses in the dialog.
  std::vector<std::string> establish(const std::string& callId = "call-1") {
    proxy_->onMessage(
        "INVITE sip:bob@localhost SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5080;"
        "branch=z9hG4bK-" +
            callId +
            "\r\nMax-Forwards: 70\r\n"
            "From: <sip:alice@localhost>;tag=alice1\r\nTo: <sip:bob@localhost>\r\n"
            "Call-ID: " +
            callId +
            "\r\nCSeq: 1 INVITE\r\n"
            "Contact: <sip:alice@127.0.0.1:5080>\r\nContent-Length: 0\r\n\r\n",
        aliceFlow);
    auto forwarded = sentTo(bob, "INVITE");
    EXPECT_TRUE(forwarded);
    auto routes = answerWith200(*forwarded, bobFlow, "bob1", "<sip:bob@127.0.0.1:5070>");
    EXPECT_TRUE(sentTo(alice, "SIP/2.0 200"));
    sent_.clear();
    return routes;
  }

  static std::string bye(const std::string& route, const std::string& fromTag,
                         const std::string& toTag, const std::string& callId = "call-1",
                         const std::string& target = "sip:bob@127.0.0.1:5070") {
    std::string text = "BYE " + target +
                       " SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:6666;"
                       "branch=z9hG4bKbye" +
                       fromTag + "\r\nMax-Forwards: 70\r\n";
    if (!route.empty()) text += "Route: " + route + "\r\n";
    return text + "From: <sip:x@localhost>;tag=" + fromTag +
           "\r\nTo: <sip:y@localhost>;tag=" + toTag + "\r\nCall-ID: " + callId +
           "\r\nCSeq: 9 BYE\r\nContent-Length: 0\r\n\r\n";
  }

  int statusSentTo(const SocketAddress& to) {
    auto response = sentTo(to, "SIP/2.0");
    return response ? response->statusCode() : 0;
  }
};

TEST_F(ProxySecurityTest, EveryRecordRouteCarriesAToken) {
  const auto routes = establish();
  ASSERT_EQ(routes.size(), 1u);
  EXPECT_NE(routes[0].find(";ftok=0."), std::string::npos) << routes[0];
}

TEST_F(ProxySecurityTest, StrayResponsesAreNotSentAlongTheirVia) {
  proxy_->onMessage(
      "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKnone.12345678\r\n"
      "Via: SIP/2.0/UDP 127.0.0.2:5060;branch=z9hG4bKvictim\r\nFrom: <sip:a@x>;tag=1\r\n"
      "To: <sip:b@x>;tag=2\r\nCall-ID: stray\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
      strangerFlow);
  EXPECT_TRUE(sent_.empty());
  EXPECT_EQ(proxy_->stats().strayResponsesDropped, 1u);
}

TEST_F(ProxySecurityTest, AcksOfNoDialogGoNowhere) {
  for (const char* route : {"", "<sip:127.0.0.1:5060;lr>"}) {
    std::string ack =
        "ACK sip:victim@127.0.0.2:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:6666;"
        "branch=z9hG4bKack\r\nMax-Forwards: 70\r\n";
    if (*route) ack += std::string("Route: ") + route + "\r\n";
    ack +=
        "From: <sip:m@evil>;tag=1\r\nTo: <sip:v@x>;tag=2\r\nCall-ID: ack\r\nCSeq: 1 ACK\r\n"
        "Content-Length: 0\r\n\r\n";
    proxy_->onMessage(ack, strangerFlow);
  }
  EXPECT_TRUE(sent_.empty());
  EXPECT_EQ(proxy_->stats().acksDropped, 2u);
}

TEST_F(ProxySecurityTest, AStrangerCannotEndACall) {
  const auto routes = establish();
  // Tags guessed, a bare Route to us; then the right tags from elsewhere without the token.
  proxy_->onMessage(bye("<sip:127.0.0.1:5060;lr>", "guess", "guess"), strangerFlow);
  EXPECT_EQ(statusSentTo(stranger), 481);
  proxy_->onMessage(bye("<sip:127.0.0.1:5060;lr>", "alice1", "bob1"), strangerFlow);
  EXPECT_EQ(statusSentTo(stranger), 481);
  proxy_->onMessage(bye("", "bob1", "alice1"), strangerFlow);
  EXPECT_EQ(statusSentTo(stranger), 481);
  EXPECT_EQ(countSentTo(bob, "BYE"), 0u);
  EXPECT_EQ(proxy_->dialogs().size(), 1u);
  EXPECT_TRUE(ended_.empty());
  EXPECT_EQ(proxy_->stats().inDialogRefused, 3u);
}

TEST_F(ProxySecurityTest, TheCallsOwnRequestsStillWork) {
  const auto routes = establish();
  // alice's BYE from her own address, without the Route (a UA that ignored Record-Route).
  proxy_->onMessage(bye("", "alice1", "bob1"), aliceFlow);
  EXPECT_EQ(countSentTo(bob, "BYE"), 1u);
  EXPECT_EQ(proxy_->dialogs().size(), 0u);
}

TEST_F(ProxySecurityTest, TheCallsTokenRoutesFromAnywhereButOnlyInThatCall) {
  const auto routes = establish("call-1");
  // With the token the dialog's requests route even from a new address (NAT rebinding).
  proxy_->onMessage(bye(routes[0], "alice1", "bob1", "call-1"), strangerFlow);
  EXPECT_EQ(countSentTo(bob, "BYE"), 1u);
  EXPECT_EQ(proxy_->dialogs().size(), 0u);
  // The same token in another call opens nothing.
  sent_.clear();
  proxy_->onMessage(bye(routes[0], "x", "y", "call-2", "sip:victim@127.0.0.2:5060"), strangerFlow);
  EXPECT_EQ(statusSentTo(stranger), 481);
  EXPECT_EQ(countSentTo(victim, "BYE"), 0u);
}

TEST_F(ProxySecurityTest, ForgedTokensAreRefused) {
  establish();
  proxy_->onMessage(bye("<sip:127.0.0.1:5060;lr;ftok=0.AAAAAAAAAAAAAAAAAAAAAA>", "alice1", "bob1"),
                    strangerFlow);
  EXPECT_EQ(statusSentTo(stranger), 481);
  EXPECT_EQ(countSentTo(bob, "BYE"), 0u);
}

TEST_F(ProxySecurityTest, DirectTargetsAreRefusedWithoutARoute) {
  proxy_->onMessage(
      "INVITE sip:+19005550100@127.0.0.2:5060 SIP/2.0\r\nVia: SIP/2.0/UDP "
      "127.0.0.1:5080;branch=z9hG4bKdirect\r\nMax-Forwards: 70\r\n"
      "From: <sip:alice@localhost>;tag=a\r\nTo: <sip:x@127.0.0.2>\r\n"
      "Call-ID: direct\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
      aliceFlow);
  EXPECT_EQ(statusSentTo(alice), 403);
  EXPECT_EQ(countSentTo(victim, "INVITE"), 0u);
  EXPECT_EQ(proxy_->stats().directUriRefused, 1u);
}

}  // namespace
}  // namespace rtcgate::proxy
