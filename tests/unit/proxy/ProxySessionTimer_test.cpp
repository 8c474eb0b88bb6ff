// Session timers through the proxy (RFC 4028 8): intervals below our Min-SE are refused with 422
// or raised, the interval a 2xx settles on is tracked, every refresh restarts it, and a call whose
// refresh never comes is ended with BYE to both sides.
#include <gtest/gtest.h>

#include "unit/proxy/ProxyHarness.hpp"

namespace rtcgate::proxy {
namespace {

using sip::HeaderId;
using sip::SipMessage;

// A header's value, or "(none)": a missing header fails the comparison instead of crashing.
std::string valueOf(const SipMessage& message, HeaderId id) {
  const auto* header = message.find(id);
  return header ? std::string(header->value) : "(none)";
}

class ProxySessionTimerTest : public testing::ProxyHarness {
 protected:
  void configure(ProxyOptions& options) override {
    options.dialogTimeout = Duration{0};  // only the session timer ends calls here
    options.sessionTimers.minSessionExpires = 90;
  }

  // alice (UDP 5080) calls bob with these extra headers; returns the INVITE bob got.
  std::optional<SipMessage> aliceCallsBob(const std::string& headers) {
    proxy_->onMessage(
        "INVITE sip:bob@localhost SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bK-a1\r\n"
        "Max-Forwards: 70\r\nFrom: <sip:alice@localhost>;tag=alice1\r\nTo: <sip:bob@localhost>\r\n"
        "Call-ID: call-st\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@127.0.0.1:5080>\r\n" +
            headers + "Content-Length: 0\r\n\r\n",
        aliceFlow);
    return sentTo(bob, "INVITE");
  }

  // bob answers the INVITE with 200 carrying `headers`; returns the 200 alice got.
  std::optional<SipMessage> bobAnswers(const SipMessage& invite, const std::string& headers,
                                       const std::string& toTag = "bob1") {
    auto ok = invite.makeResponse(200, "OK", toTag);
    for (const auto& rr : invite.all(HeaderId::RecordRoute)) {
      ok.appendHeader(HeaderId::RecordRoute, std::string(rr));
      routes_.emplace_back(rr);
    }
    ok.appendHeader(HeaderId::Contact, "<sip:bob@127.0.0.1:5070>");
    if (!headers.empty()) {
      const auto colon = headers.find(':');
      ok.appendHeader(sip::headerIdFromName(headers.substr(0, colon)), headers.substr(colon + 2));
    }
    proxy_->onMessage(ok.serialize(), bobFlow);
    return sentTo(alice, "SIP/2.0 200");
  }

  // alice refreshes the session with a re-INVITE or UPDATE (CSeq n) asking for `seconds`.
  std::optional<SipMessage> aliceRefreshes(const char* method, int cseq, int seconds) {
    std::string text = std::string(method) +
                       " sip:bob@127.0.0.1:5070 SIP/2.0\r\nVia: SIP/2.0/UDP "
                       "127.0.0.1:5080;branch=z9hG4bK-r" +
                       std::to_string(cseq) + "\r\nMax-Forwards: 70\r\n";
    for (const auto& route : routes_) text += "Route: " + route + "\r\n";
    text +=
        "From: <sip:alice@localhost>;tag=alice1\r\nTo: <sip:bob@localhost>;tag=bob1\r\n"
        "Call-ID: call-st\r\nCSeq: " +
        std::to_string(cseq) + " " + method +
        "\r\nContact: <sip:alice@127.0.0.1:5080>\r\nSupported: timer\r\nSession-Expires: " +
        std::to_string(seconds) + ";refresher=uac\r\nContent-Length: 0\r\n\r\n";
    sent_.clear();
    proxy_->onMessage(text, aliceFlow);
    return sentTo(bob, method);
  }

  // A call of `seconds` answered with that interval (alice refreshes).
  void answeredCall(int seconds) {
    const auto invite =
        aliceCallsBob("Supported: timer\r\nSession-Expires: " + std::to_string(seconds) + "\r\n");
    ASSERT_TRUE(invite);
    ASSERT_TRUE(
        bobAnswers(*invite, "Session-Expires: " + std::to_string(seconds) + ";refresher=uac"));
    sent_.clear();
  }

  void advanceSeconds(int seconds) { timers_.advance(std::chrono::seconds(seconds)); }

  const SocketAddress alice = address("127.0.0.1", 5080);
  const sip::Flow aliceFlow{sip::Transport::Udp, udpLocal, alice, 0};
  std::vector<std::string> routes_;
};

TEST_F(ProxySessionTimerTest, AnIntervalBelowOurMinSeGets422) {
  EXPECT_FALSE(aliceCallsBob("Supported: timer\r\nSession-Expires: 60\r\n"));
  const auto refused = sentTo(alice, "SIP/2.0 422");
  ASSERT_TRUE(refused);
  ASSERT_TRUE(refused->find(HeaderId::MinSe));
  EXPECT_EQ(valueOf(*refused, HeaderId::MinSe), "90");
  EXPECT_EQ(proxy_->stats().sessionIntervalTooSmall, 1u);
  EXPECT_EQ(proxy_->dialogs().size(), 0u);
}

TEST_F(ProxySessionTimerTest, ARefreshBelowOurMinSeGets422Too) {
  answeredCall(120);
  EXPECT_FALSE(aliceRefreshes("UPDATE", 2, 30));
  const auto refused = sentTo(alice, "SIP/2.0 422");
  ASSERT_TRUE(refused);
  EXPECT_EQ(valueOf(*refused, HeaderId::MinSe), "90");
}

TEST_F(ProxySessionTimerTest, ACallerThatKnowsNoTimersHasItsIntervalRaised) {
  const auto invite = aliceCallsBob("Session-Expires: 60\r\n");
  ASSERT_TRUE(invite);
  EXPECT_EQ(valueOf(*invite, HeaderId::SessionExpires), "90");
  EXPECT_EQ(valueOf(*invite, HeaderId::MinSe), "90");
  EXPECT_EQ(proxy_->stats().sessionIntervalTooSmall, 0u);
}

TEST_F(ProxySessionTimerTest, AnAcceptableIntervalPassesWithOurMinSe) {
  const auto invite = aliceCallsBob("Supported: timer\r\nSession-Expires: 1800\r\n");
  ASSERT_TRUE(invite);
  EXPECT_EQ(valueOf(*invite, HeaderId::SessionExpires), "1800");
  EXPECT_EQ(valueOf(*invite, HeaderId::MinSe), "90");
}

TEST_F(ProxySessionTimerTest, ASessionNotRefreshedEndsWithByeToBothSides) {
  answeredCall(120);
  advanceSeconds(119);
  EXPECT_EQ(countSentTo(bob, "BYE"), 0u);
  EXPECT_TRUE(ended_.empty());
  advanceSeconds(1);  // at expiry (and before the BYEs' first retransmission)
  EXPECT_EQ(countSentTo(bob, "BYE"), 1u);
  EXPECT_EQ(countSentTo(alice, "BYE"), 1u);
  ASSERT_EQ(ended_.size(), 1u);
  EXPECT_EQ(ended_[0], "session-expired");
  EXPECT_EQ(proxy_->stats().sessionsExpired, 1u);
  EXPECT_EQ(proxy_->dialogs().size(), 0u);
}

TEST_F(ProxySessionTimerTest, EveryRefreshRestartsTheInterval) {
  answeredCall(120);
  for (int cseq = 2; cseq < 6; ++cseq) {
    advanceSeconds(100);
    const auto refresh = aliceRefreshes(cseq % 2 ? "UPDATE" : "INVITE", cseq, 120);
    ASSERT_TRUE(refresh);
    auto ok = refresh->makeResponse(200, "OK");
    ok.appendHeader(HeaderId::SessionExpires, "120;refresher=uac");
    proxy_->onMessage(ok.serialize(), bobFlow);
    ASSERT_TRUE(sentTo(alice, "SIP/2.0 200"));
  }
  advanceSeconds(110);
  EXPECT_TRUE(ended_.empty());
  advanceSeconds(20);
  ASSERT_EQ(ended_.size(), 1u);
  EXPECT_EQ(ended_[0], "session-expired");
}

TEST_F(ProxySessionTimerTest, AFailedRefreshDoesNotRestartTheInterval) {
  answeredCall(120);
  advanceSeconds(100);
  const auto refresh = aliceRefreshes("UPDATE", 2, 120);
  ASSERT_TRUE(refresh);
  proxy_->onMessage(refresh->makeResponse(491, "Request Pending").serialize(), bobFlow);
  advanceSeconds(21);
  ASSERT_EQ(ended_.size(), 1u);
  EXPECT_EQ(ended_[0], "session-expired");
}

TEST_F(ProxySessionTimerTest, NoSessionTimerWhenNeitherSideAsksForOne) {
  const auto invite = aliceCallsBob("");
  ASSERT_TRUE(invite);
  EXPECT_EQ(invite->find(HeaderId::SessionExpires), nullptr);
  ASSERT_TRUE(bobAnswers(*invite, ""));
  advanceSeconds(7200);
  EXPECT_TRUE(ended_.empty());
}

TEST_F(ProxySessionTimerTest, ACallerThatDoesTimersRefreshesForACalleeThatDoesNot) {
  const auto invite = aliceCallsBob("Supported: timer\r\nSession-Expires: 300\r\n");
  ASSERT_TRUE(invite);
  const auto ok = bobAnswers(*invite, "");
  ASSERT_TRUE(ok);
  ASSERT_TRUE(ok->find(HeaderId::SessionExpires));
  EXPECT_EQ(valueOf(*ok, HeaderId::SessionExpires), "300;refresher=uac");
  EXPECT_EQ(valueOf(*ok, HeaderId::Require), "timer");
  sent_.clear();
  advanceSeconds(299);
  EXPECT_TRUE(ended_.empty());
  advanceSeconds(1);
  EXPECT_EQ(countSentTo(bob, "BYE"), 1u);
  ASSERT_EQ(ended_.size(), 1u);
}

TEST_F(ProxySessionTimerTest, ACallEndedByByeLeavesNoTimer) {
  answeredCall(120);
  std::string bye =
      "BYE sip:bob@127.0.0.1:5070 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bK-b\r\n"
      "Max-Forwards: 70\r\n";
  for (const auto& route : routes_) bye += "Route: " + route + "\r\n";
  bye +=
      "From: <sip:alice@localhost>;tag=alice1\r\nTo: <sip:bob@localhost>;tag=bob1\r\n"
      "Call-ID: call-st\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n";
  proxy_->onMessage(bye, aliceFlow);
  ASSERT_EQ(ended_.size(), 1u);
  EXPECT_EQ(proxy_->sessionTimersRunning(), 0u);
  advanceSeconds(200);
  EXPECT_EQ(ended_.size(), 1u);
  EXPECT_EQ(proxy_->stats().sessionsExpired, 0u);
}

class ProxySessionTimerInsertTest : public ProxySessionTimerTest {
 protected:
  void configure(ProxyOptions& options) override {
    ProxySessionTimerTest::configure(options);
    options.sessionTimers.sessionExpires = 1800;
  }
};

TEST_F(ProxySessionTimerInsertTest, OurIntervalIsAskedForACallerThatDoesTimers) {
  auto invite = aliceCallsBob("Supported: timer\r\n");
  ASSERT_TRUE(invite);
  EXPECT_EQ(valueOf(*invite, HeaderId::SessionExpires), "1800");
  sent_.clear();
  proxy_->onMessage(
      "INVITE sip:bob@localhost SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bK-a2\r\n"
      "Max-Forwards: 70\r\nFrom: <sip:alice@localhost>;tag=alice2\r\nTo: <sip:bob@localhost>\r\n"
      "Call-ID: call-st2\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
      aliceFlow);
  invite = sentTo(bob, "INVITE");
  ASSERT_TRUE(invite);
  EXPECT_EQ(invite->find(HeaderId::SessionExpires), nullptr);  // it would not refresh
}

}  // namespace
}  // namespace rtcgate::proxy
