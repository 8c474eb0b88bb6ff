// ProxyCore with targets that are names (RFC 3263): a branch waits for DNS, goes to the best
// destination, fails over along the others on 503 or silence, and a destination that failed is
// tried last by the next call.
#include <gtest/gtest.h>

#include "dns/SipServerLocator.hpp"
#include "fakes/FakeDnsClient.hpp"
#include "unit/proxy/ProxyHarness.hpp"

namespace rtcgate::proxy::testing {
namespace {

class ProxyDnsTest : public ProxyHarness {
 protected:
  void SetUp() override {
    ProxyHarness::SetUp();
    proxy_->setServerLocation(&locator_, &blacklist_);
    dns_.setSrv("_sip._udp.carrier.example",
                {{10, 0, 5090, "edge1.carrier.example"}, {20, 0, 5090, "edge2.carrier.example"}});
    dns_.setAddresses("edge1.carrier.example", {"127.0.0.2"});
    dns_.setAddresses("edge2.carrier.example", {"127.0.0.3"});
  }
  void configure(ProxyOptions& options) override {
    options.failoverTimeout = std::chrono::seconds(5);
    options.blacklistFor = std::chrono::seconds(60);
  }
  StaticRoutes routes() override {
    StaticRoutes table;
    table.add("^\\+?[0-9]+$", {"sip:carrier.example;transport=udp", "sip:127.0.0.1:5091"});
    table.add("^nowhere$", {"sip:nowhere.example", "sip:127.0.0.1:5091"});
    return table;
  }

  void aliceCalls(const std::string& user, const std::string& callId) {
    proxy_->onMessage("INVITE sip:" + user + "@localhost SIP/2.0\r\n" + headers(callId, "INVITE") +
                          "Content-Length: 0\r\n\r\n",
                      aliceFlow);
  }
  void aliceCancels(const std::string& user, const std::string& callId) {
    proxy_->onMessage("CANCEL sip:" + user + "@localhost SIP/2.0\r\n" + headers(callId, "CANCEL") +
                          "Content-Length: 0\r\n\r\n",
                      aliceFlow);
  }
  static std::string headers(const std::string& callId, const std::string& method) {
    return "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bK-" + callId +
           "\r\nMax-Forwards: 70\r\nFrom: <sip:alice@localhost>;tag=alice1\r\n"
           "To: <sip:bob@localhost>\r\nCall-ID: " +
           callId + "\r\nCSeq: 1 " + method + "\r\nContact: <sip:alice@127.0.0.1:5080>\r\n";
  }
  void answer(const sip::SipMessage& forwarded, const SocketAddress& from, int status) {
    const sip::Flow flow{sip::Transport::Udp, udpLocal, from, 0};
    proxy_->onMessage(
        forwarded.makeResponse(status, "Whatever", "t" + std::to_string(status)).serialize(), flow);
  }
  bool aliceGot(std::string_view start) { return sentTo(aliceFlow.remote, start).has_value(); }
  void answerWithSdp(const sip::SipMessage& invite, const sip::Flow& flow, const std::string& tag) {
    auto ok = invite.makeResponse(200, "OK", tag);
    ok.appendHeader(sip::HeaderId::Contact, "<sip:party@" + flow.remote.toString() + ">");
    ok.setBody(
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        "m=audio 4000 RTP/AVP 0\r\n",
        "application/sdp");
    proxy_->onMessage(ok.serialize(), flow);
  }

  const SocketAddress edge1 = address("127.0.0.2", 5090);
  const SocketAddress edge2 = address("127.0.0.3", 5090);
  const SocketAddress second = address("127.0.0.1", 5091);
  rtcgate::testing::FakeDnsClient dns_;
  dns::DnsCache cache_{dns_, timers_, dns::DnsCache::Options{}};
  dns::DestinationBlacklist blacklist_{timers_};
  dns::SipServerLocator locator_{
      cache_, blacklist_,
      [this](sip::Transport t, bool v6) { return proxy_->targetResolver().canSend(t, v6); },
      [] { return 0u; }};
};

TEST_F(ProxyDnsTest, ARouteToANameReachesTheBestSrvTargetAndFailsOverOn503) {
  aliceCalls("+15551234", "dns-1");
  EXPECT_EQ(countSentTo(edge1, "INVITE"), 0u);  // waiting for DNS
  dns_.flush();
  const auto first = sentTo(edge1, "INVITE");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->requestUri(), "sip:+15551234@carrier.example;transport=udp");
  answer(*first, edge1, 503);
  const auto next = sentTo(edge2, "INVITE");
  ASSERT_TRUE(next);
  EXPECT_EQ(next->requestUri(), first->requestUri());
  EXPECT_EQ(proxy_->stats().destinationFailovers, 1u);
  EXPECT_FALSE(aliceGot("SIP/2.0 5"));
  answer(*next, edge2, 486);
  EXPECT_TRUE(aliceGot("SIP/2.0 486"));
  EXPECT_EQ(countSentTo(second, "INVITE"), 0u);
}

TEST_F(ProxyDnsTest, ASilentDestinationIsLeftAfterTheFailoverTimeoutAndTriedLastNextTime) {
  aliceCalls("+15551234", "dns-2");
  dns_.flush();
  ASSERT_TRUE(sentTo(edge1, "INVITE"));
  timers_.advance(std::chrono::seconds(4));
  EXPECT_EQ(countSentTo(edge2, "INVITE"), 0u);
  timers_.advance(std::chrono::seconds(1));
  EXPECT_EQ(countSentTo(edge2, "INVITE"), 1u);
  EXPECT_EQ(proxy_->stats().failoverTimeouts, 1u);
  EXPECT_TRUE(blacklist_.contains({sip::Transport::Udp, edge1, {}}));

  // The next call finds the records cached (no query) and the silent server last.
  const auto asked = dns_.asked.size();
  sent_.clear();
  aliceCalls("+15557777", "dns-3");
  EXPECT_EQ(dns_.asked.size(), asked);
  EXPECT_EQ(countSentTo(edge2, "INVITE"), 1u);
  EXPECT_EQ(countSentTo(edge1, "INVITE"), 0u);
}

TEST_F(ProxyDnsTest, AResponseStopsTheFailoverTimer) {
  aliceCalls("+15551234", "dns-4");
  dns_.flush();
  const auto first = sentTo(edge1, "INVITE");
  ASSERT_TRUE(first);
  answer(*first, edge1, 180);
  timers_.advance(std::chrono::seconds(10));
  EXPECT_EQ(countSentTo(edge2, "INVITE"), 0u);
  EXPECT_TRUE(aliceGot("SIP/2.0 180"));
}

TEST_F(ProxyDnsTest, ANameThatDoesNotExistFailsOverToTheRoutesNextTarget) {
  aliceCalls("nowhere", "dns-5");
  dns_.flush();
  EXPECT_TRUE(sentTo(second, "INVITE"));
  EXPECT_EQ(proxy_->stats().unresolvableTargets, 1u);
  EXPECT_FALSE(aliceGot("SIP/2.0 4"));
}

TEST_F(ProxyDnsTest, ACancelWhileDnsIsAskedEndsTheCallAtOnce) {
  aliceCalls("+15551234", "dns-6");
  aliceCancels("+15551234", "dns-6");
  EXPECT_TRUE(aliceGot("SIP/2.0 200"));
  EXPECT_TRUE(aliceGot("SIP/2.0 487"));
  dns_.flush();
  EXPECT_EQ(countSentTo(edge1, "INVITE"), 0u);
  EXPECT_EQ(countSentTo(edge2, "INVITE"), 0u);
}

TEST_F(ProxyDnsTest, ACallPlacedThroughTheApiReachesAPartyByNameOnceDnsAnswers) {
  const auto placed = proxy_->originate("+15551234", "bob");
  ASSERT_TRUE(placed.ok());
  EXPECT_EQ(countSentTo(edge1, "INVITE"), 0u);  // waiting for DNS
  dns_.flush();
  const auto invite = sentTo(edge1, "INVITE");
  ASSERT_TRUE(invite);
  EXPECT_EQ(invite->requestUri(), "sip:+15551234@carrier.example;transport=udp");
}

// A call placed through the API fails over as a forwarded branch does: along the destinations
// DNS gave (a new INVITE, next CSeq, same Call-ID and From tag), then to the route's next target.
TEST_F(ProxyDnsTest, ACallPlacedThroughTheApiFailsOverAlongItsDestinationsAndItsRoute) {
  const auto placed = proxy_->originate("+15551234", "bob");
  ASSERT_TRUE(placed.ok());
  dns_.flush();
  const auto first = sentTo(edge1, "INVITE");
  ASSERT_TRUE(first);
  answer(*first, edge1, 503);
  const auto next = sentTo(edge2, "INVITE");
  ASSERT_TRUE(next);
  EXPECT_EQ(next->callId(), first->callId());
  EXPECT_EQ(next->fromTag(), first->fromTag());
  EXPECT_EQ(next->cseq(), first->cseq() + 1);
  EXPECT_EQ(next->requestUri(), first->requestUri());
  answer(*next, edge2, 408);
  const auto last = sentTo(second, "INVITE");
  ASSERT_TRUE(last);
  EXPECT_EQ(last->requestUri(), "sip:+15551234@127.0.0.1:5091");
  EXPECT_EQ(last->cseq(), first->cseq() + 2);

  // A answers (with its offer), B is called and answers: A gets our ACK for the INVITE that
  // reached it.
  answerWithSdp(*last, {sip::Transport::Udp, udpLocal, second, 0}, "a-tag");
  relay_.drainOk();
  const auto toBob = sentTo(bob, "INVITE");
  ASSERT_TRUE(toBob);
  answerWithSdp(*toBob, bobFlow, "bob-tag");
  relay_.drainOk();
  const auto ack = sentTo(second, "ACK");
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->cseq(), last->cseq());
  EXPECT_TRUE(callLog_.ended.empty());
}

TEST_F(ProxyDnsTest, ACallPlacedThroughTheApiFailsWhenNothingIsLeft) {
  const auto placed = proxy_->originate("+15551234", "bob");
  ASSERT_TRUE(placed.ok());
  dns_.flush();
  answer(*sentTo(edge1, "INVITE"), edge1, 503);
  answer(*sentTo(edge2, "INVITE"), edge2, 503);
  answer(*sentTo(second, "INVITE"), second, 500);
  relay_.drainOk();
  ASSERT_EQ(callLog_.ended.size(), 1u);
  EXPECT_EQ(callLog_.ended.front(), "failed-500");
  // A 4xx is an answer, not a failure of the destination: nothing else is tried.
  sent_.clear();
  ASSERT_TRUE(proxy_->originate("+15557777", "bob").ok());
  answer(*sentTo(edge1, "INVITE"), edge1, 486);
  relay_.drainOk();
  EXPECT_EQ(countSentTo(edge2, "INVITE"), 0u);
  EXPECT_EQ(callLog_.ended.back(), "busy");
}

TEST_F(ProxyDnsTest, ACallHungUpWhileDnsIsAskedSendsNothing) {
  const auto placed = proxy_->originate("+15551234", "bob");
  ASSERT_TRUE(placed.ok());
  EXPECT_TRUE(proxy_->hangup(*placed, "api-hangup"));
  dns_.flush();
  EXPECT_EQ(countSentTo(edge1, "INVITE"), 0u);
  EXPECT_EQ(callLog_.events.back(), "ended");
}

}  // namespace
}  // namespace rtcgate::proxy::testing
