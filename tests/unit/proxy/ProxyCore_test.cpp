// ProxyCore as a proxy, without media: the RFC 3261 16.3 checks, forking and the choice of the
// response that goes upstream (16.7), challenge merging, and static-route failover.
#include "proxy/ProxyCore.hpp"

#include <gtest/gtest.h>

#include "unit/proxy/ProxyHarness.hpp"

namespace rtcgate::proxy::testing {
namespace {

class ProxyCoreTest : public ProxyHarness {
 protected:
  StaticRoutes routes() override {
    StaticRoutes table;
    table.add("^\\+?[0-9]+$", {"sip:127.0.0.1:5090", "sip:127.0.0.1:5091"});
    return table;
  }

  // Alice sends `request` (first line and headers up to, not including, Content-Length).
  void aliceSends(const std::string& firstLine, const std::string& extraHeaders = {},
                  const std::string& callId = "core-1", int maxForwards = 70) {
    proxy_->onMessage(firstLine + "\r\nVia: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bK-" + callId +
                          "\r\nMax-Forwards: " + std::to_string(maxForwards) +
                          "\r\nFrom: <sip:alice@localhost>;tag=alice1\r\n"
                          "To: <sip:bob@localhost>\r\nCall-ID: " +
                          callId + "\r\nCSeq: 1 " + firstLine.substr(0, firstLine.find(' ')) +
                          "\r\nContact: <sip:alice@127.0.0.1:5080>\r\n" + extraHeaders +
                          "Content-Length: 0\r\n\r\n",
                      aliceFlow);
  }

  // The branch at `from` answers the request the proxy sent it with `status`.
  void answer(const sip::SipMessage& forwarded, const sip::Flow& from, int status,
              const std::string& reason, sip::HeaderId extraId = sip::HeaderId::Other,
              const std::string& extraValue = {}) {
    auto response = forwarded.makeResponse(status, reason, "tag-" + std::to_string(status));
    if (!extraValue.empty()) response.appendHeader(extraId, extraValue);
    proxy_->onMessage(response.serialize(), from);
  }

  std::optional<sip::SipMessage> toAlice(std::string_view start) {
    return sentTo(aliceFlow.remote, start);
  }

  const sip::Flow bobSecondFlow{sip::Transport::Udp, udpLocal, address("127.0.0.1", 5071), 0};
  const sip::Flow routeFirst{sip::Transport::Udp, udpLocal, address("127.0.0.1", 5090), 0};
  const sip::Flow routeSecond{sip::Transport::Udp, udpLocal, address("127.0.0.1", 5091), 0};
};

TEST_F(ProxyCoreTest, ARequestUriSchemeItCannotRouteIs416) {
  aliceSends("INVITE mailto:bob@localhost SIP/2.0");
  EXPECT_TRUE(toAlice("SIP/2.0 416"));
  EXPECT_EQ(countSentTo(bob, "INVITE"), 0u);
}

TEST_F(ProxyCoreTest, NoHopsLeftIs483ButAnOptionsToUsIsAnswered) {
  aliceSends("INVITE sip:bob@localhost SIP/2.0", {}, "core-483", 0);
  EXPECT_TRUE(toAlice("SIP/2.0 483"));
  EXPECT_EQ(countSentTo(bob, "INVITE"), 0u);

  aliceSends("OPTIONS sip:127.0.0.1:5060 SIP/2.0", {}, "core-options", 0);
  const auto ok = toAlice("SIP/2.0 200");
  ASSERT_TRUE(ok);
  EXPECT_TRUE(ok->find(sip::HeaderId::Allow));
}

TEST_F(ProxyCoreTest, AProxyRequireItDoesNotKnowIs420NamingIt) {
  aliceSends("INVITE sip:bob@localhost SIP/2.0", "Proxy-Require: foo\r\n");
  const auto refused = toAlice("SIP/2.0 420");
  ASSERT_TRUE(refused);
  ASSERT_TRUE(refused->find(sip::HeaderId::Unsupported));
  EXPECT_EQ(refused->find(sip::HeaderId::Unsupported)->value, "foo");
  EXPECT_EQ(countSentTo(bob, "INVITE"), 0u);
}

TEST_F(ProxyCoreTest, TheSameRequestBackThroughUsIs482AndASpiralIsNot) {
  const auto forwarded = aliceCallsBob("core-loop");
  ASSERT_TRUE(forwarded);
  // The request comes back through a proxy at bob's address, which adds its Via on top of ours.
  const auto throughHop = [&](const std::string& requestUri, const std::string& branch) {
    std::string text = forwarded->serialize();
    text.replace(0, text.find("\r\n"), "INVITE " + requestUri + " SIP/2.0");
    const auto firstVia = text.find("Via:");
    text.insert(firstVia, "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-" + branch + "\r\n");
    return text;
  };
  // Unchanged (our Via's hash matches): a loop.
  proxy_->onMessage(throughHop("sip:bob@localhost", "hop1"), bobFlow);
  EXPECT_TRUE(sentTo(bob, "SIP/2.0 482"));
  // Retargeted by the hop (another Request-URI): a spiral, handled as a new request.
  proxy_->onMessage(throughHop("sip:carol@localhost", "hop2"), bobFlow);
  EXPECT_EQ(countSentTo(bob, "SIP/2.0 482"), 1u);
  EXPECT_EQ(proxy_->stats().loopsDetected, 1u);
}

TEST_F(ProxyCoreTest, ASixHundredFromOneBranchCancelsTheOthersAndGoesUpstream) {
  bind("bob", bobSecondFlow, "sip:bob@127.0.0.1:5071");
  aliceSends("INVITE sip:bob@localhost SIP/2.0", {}, "core-603");
  const auto first = sentTo(bob, "INVITE");
  const auto second = sentTo(bobSecondFlow.remote, "INVITE");
  ASSERT_TRUE(first && second);
  // A branch is cancelled once it has answered provisionally (RFC 3261 9.1).
  answer(*second, bobSecondFlow, 180, "Ringing");
  answer(*first, bobFlow, 603, "Decline");
  const auto cancel = sentTo(bobSecondFlow.remote, "CANCEL");
  ASSERT_TRUE(cancel);
  EXPECT_FALSE(toAlice("SIP/2.0 603"));  // not before every branch has ended
  answer(*second, bobSecondFlow, 487, "Request Terminated");
  EXPECT_TRUE(toAlice("SIP/2.0 603"));
  EXPECT_FALSE(toAlice("SIP/2.0 487"));
}

TEST_F(ProxyCoreTest, TheMostTellingFailureWinsAnd503BecomesA500) {
  bind("bob", bobSecondFlow, "sip:bob@127.0.0.1:5071");
  aliceSends("INVITE sip:bob@localhost SIP/2.0", {}, "core-fail");
  const auto first = sentTo(bob, "INVITE");
  const auto second = sentTo(bobSecondFlow.remote, "INVITE");
  ASSERT_TRUE(first && second);
  answer(*first, bobFlow, 503, "Service Unavailable");
  answer(*second, bobSecondFlow, 486, "Busy Here");
  EXPECT_TRUE(toAlice("SIP/2.0 486"));

  aliceSends("INVITE sip:bob@localhost SIP/2.0", {}, "core-503");
  const auto only = sentTo(bob, "INVITE");
  const auto other = sentTo(bobSecondFlow.remote, "INVITE");
  ASSERT_TRUE(only && other);
  answer(*only, bobFlow, 503, "Service Unavailable");
  answer(*other, bobSecondFlow, 503, "Service Unavailable");
  EXPECT_TRUE(toAlice("SIP/2.0 500"));
  EXPECT_FALSE(toAlice("SIP/2.0 503"));
}

TEST_F(ProxyCoreTest, ChallengesFromEveryBranchReachTheCallerInOneResponse) {
  bind("bob", bobSecondFlow, "sip:bob@127.0.0.1:5071");
  aliceSends("INVITE sip:bob@localhost SIP/2.0", {}, "core-auth");
  const auto first = sentTo(bob, "INVITE");
  const auto second = sentTo(bobSecondFlow.remote, "INVITE");
  ASSERT_TRUE(first && second);
  answer(*first, bobFlow, 401, "Unauthorized", sip::HeaderId::WwwAuthenticate,
         "Digest realm=\"first\", nonce=\"1\"");
  answer(*second, bobSecondFlow, 407, "Proxy Authentication Required",
         sip::HeaderId::ProxyAuthenticate, "Digest realm=\"second\", nonce=\"2\"");
  auto challenge = toAlice("SIP/2.0 401");
  if (!challenge) challenge = toAlice("SIP/2.0 407");
  ASSERT_TRUE(challenge);
  ASSERT_EQ(challenge->all(sip::HeaderId::WwwAuthenticate).size(), 1u);
  ASSERT_EQ(challenge->all(sip::HeaderId::ProxyAuthenticate).size(), 1u);
  EXPECT_NE(challenge->all(sip::HeaderId::WwwAuthenticate)[0].find("first"),
            std::string_view::npos);
  EXPECT_NE(challenge->all(sip::HeaderId::ProxyAuthenticate)[0].find("second"),
            std::string_view::npos);
}

TEST_F(ProxyCoreTest, AStaticRouteFailsOverToItsNextTargetOn503) {
  aliceSends("INVITE sip:+15551234@localhost SIP/2.0", {}, "core-route");
  const auto first = sentTo(routeFirst.remote, "INVITE");
  ASSERT_TRUE(first);
  EXPECT_EQ(countSentTo(routeSecond.remote, "INVITE"), 0u);
  answer(*first, routeFirst, 503, "Service Unavailable");
  const auto second = sentTo(routeSecond.remote, "INVITE");
  ASSERT_TRUE(second);
  EXPECT_EQ(proxy_->stats().routeFailovers, 1u);
  EXPECT_FALSE(toAlice("SIP/2.0 5"));
  answer(*second, routeSecond, 486, "Busy Here");
  EXPECT_TRUE(toAlice("SIP/2.0 486"));
}

}  // namespace
}  // namespace rtcgate::proxy::testing
