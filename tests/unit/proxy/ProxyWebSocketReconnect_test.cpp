// A call survives its browser's WebSocket reconnect (calls.reconnect_grace): the call waits for
// the same device (+sip.instance and reg-id) to register again on a new connection and moves to
// it; it ends only when the grace passes.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "unit/proxy/ProxyHarness.hpp"

namespace rtcgate::proxy {
namespace {

using sip::SipMessage;

constexpr const char* kCarolContact = "sip:k3x9@a1b2.invalid;transport=ws";
constexpr const char* kInstance = "<urn:uuid:00000000-0000-4000-8000-00000000000c>";

class ProxyWebSocketReconnectTest : public testing::ProxyHarness {
 protected:
  void SetUp() override {
    ProxyHarness::SetUp();
    // Connections are open until the test closes them.
    open_ = {browser.connectionId};
    proxy_->setConnectionLookup([this](std::uint64_t id) -> std::optional<sip::Flow> {
      if (!open_.contains(id)) return std::nullopt;
      return id == browser.connectionId ? browser : newBrowser;
    });
    location_.removeAll("carol@localhost");
    registerCarol(browser, kInstance, "r1");
    sent_.clear();
  }

  void registerCarol(const sip::Flow& flow, const std::string& instance, const std::string& id) {
    open_.insert(flow.connectionId);
    proxy_->onMessage(
        "REGISTER sip:localhost SIP/2.0\r\nVia: SIP/2.0/WSS a1b2.invalid;branch=z9hG4bK-" + id +
            "\r\nMax-Forwards: 70\r\nFrom: <sip:carol@localhost>;tag=" + id +
            "\r\nTo: <sip:carol@localhost>\r\nCall-ID: reg-" + id +
            "\r\nCSeq: 1 REGISTER\r\nSupported: path, outbound\r\nContact: <" + kCarolContact +
            ";ob>;+sip.instance=\"" + instance +
            "\";reg-id=1;expires=600\r\nContent-Length: 0\r\n\r\n",
        flow);
    ASSERT_TRUE(sentTo(flow.remote, "SIP/2.0 200")) << "REGISTER " << id;
  }

  void close(std::uint64_t connectionId) {
    open_.erase(connectionId);
    proxy_->onConnectionClosed(connectionId);
  }

  // bob (UDP) calls carol; carol answers over her WebSocket. Returns bob's route set.
  std::vector<std::string> bobCallsCarol() {
    proxy_->onMessage(
        "INVITE sip:carol@localhost SIP/2.0\r\nVia: SIP/2.0/UDP "
        "127.0.0.1:5070;branch=z9hG4bK-i1\r\n"
        "Max-Forwards: 70\r\nFrom: <sip:bob@localhost>;tag=bob1\r\nTo: <sip:carol@localhost>\r\n"
        "Call-ID: call-c\r\nCSeq: 1 INVITE\r\nContact: <sip:bob@127.0.0.1:5070>\r\n"
        "Content-Length: 0\r\n\r\n",
        bobFlow);
    auto forwarded = sentTo(browser.remote, "INVITE");
    EXPECT_TRUE(forwarded);
    auto routes =
        answerWith200(*forwarded, browser, "carol1", std::string("<") + kCarolContact + ";ob>");
    EXPECT_TRUE(sentTo(bob, "SIP/2.0 200"));
    relay_.drainOk();
    sent_.clear();
    std::reverse(routes.begin(), routes.end());  // the caller's route set (RFC 3261 12.1.2)
    return routes;
  }

  std::string byeFromBob(const std::vector<std::string>& routes) const {
    std::string text = std::string("BYE ") + kCarolContact +
                       " SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-b1\r\n"
                       "Max-Forwards: 70\r\n";
    for (const auto& route : routes) text += "Route: " + route + "\r\n";
    return text +
           "From: <sip:bob@localhost>;tag=bob1\r\nTo: <sip:carol@localhost>;tag=carol1\r\n"
           "Call-ID: call-c\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n";
  }

  std::size_t sentOver(std::uint64_t connectionId, std::string_view start) const {
    std::size_t n = 0;
    for (const auto& [flow, bytes] : sent_) {
      n += flow.connectionId == connectionId && std::string_view(bytes).starts_with(start);
    }
    return n;
  }

  const sip::Flow newBrowser{sip::Transport::Wss, wssLocal, address("127.0.0.1", 40001), 8};
  std::set<std::uint64_t> open_;
};

TEST_F(ProxyWebSocketReconnectTest, TheCallMovesToTheBrowsersNewConnection) {
  const auto routes = bobCallsCarol();
  close(browser.connectionId);
  EXPECT_EQ(countSentTo(bob, "BYE"), 0u);
  EXPECT_TRUE(ended_.empty());
  EXPECT_EQ(proxy_->dialogs().size(), 1u);

  timers_.advance(std::chrono::seconds(10));
  registerCarol(newBrowser, kInstance, "r2");
  EXPECT_TRUE(proxy_->connectionInUse(newBrowser.connectionId));
  timers_.advance(std::chrono::seconds(30));  // past the grace: nothing ends
  EXPECT_TRUE(ended_.empty());

  // bob's BYE carries the token of the closed connection: it goes over the new one.
  proxy_->onMessage(byeFromBob(routes), bobFlow);
  EXPECT_EQ(sentOver(newBrowser.connectionId, "BYE"), 1u);
  EXPECT_EQ(proxy_->stats().reconnectsResumed, 1u);
}

TEST_F(ProxyWebSocketReconnectTest, TheCallEndsWhenTheBrowserDoesNotComeBackInTime) {
  bobCallsCarol();
  close(browser.connectionId);
  timers_.advance(std::chrono::seconds(19));
  EXPECT_EQ(countSentTo(bob, "BYE"), 0u);
  timers_.advance(std::chrono::seconds(2));
  const auto bye = sentTo(bob, "BYE");
  ASSERT_TRUE(bye);
  EXPECT_EQ(bye->fromTag(), "carol1");
  relay_.drainOk();
  ASSERT_EQ(ended_.size(), 1u);
  EXPECT_EQ(ended_[0], "connection-closed");
  EXPECT_EQ(proxy_->stats().reconnectsExpired, 1u);

  // Coming back later finds nothing to resume.
  registerCarol(newBrowser, kInstance, "r2");
  EXPECT_EQ(proxy_->stats().reconnectsResumed, 0u);
}

TEST_F(ProxyWebSocketReconnectTest, AnotherDeviceOfTheSameUserDoesNotTakeTheCall) {
  bobCallsCarol();
  close(browser.connectionId);
  registerCarol(newBrowser, "<urn:uuid:00000000-0000-4000-8000-0000000000ff>", "r2");
  timers_.advance(std::chrono::seconds(21));
  relay_.drainOk();
  ASSERT_EQ(ended_.size(), 1u);
  EXPECT_EQ(ended_[0], "connection-closed");
}

TEST_F(ProxyWebSocketReconnectTest, ADeviceOnANewConnectionTakesItsCallsAlongBeforeTheOldCloses) {
  const auto routes = bobCallsCarol();
  // The old connection is half-open: we have not seen it close.
  registerCarol(newBrowser, kInstance, "r2");
  proxy_->onMessage(byeFromBob(routes), bobFlow);
  EXPECT_EQ(sentOver(newBrowser.connectionId, "BYE"), 1u);
  EXPECT_EQ(sentOver(browser.connectionId, "BYE"), 0u);
}

TEST_F(ProxyWebSocketReconnectTest, AByeWhileTheBrowserIsAwayEndsTheCall) {
  const auto routes = bobCallsCarol();
  close(browser.connectionId);
  proxy_->onMessage(byeFromBob(routes), bobFlow);
  EXPECT_TRUE(sentTo(bob, "SIP/2.0 480"));
  relay_.drainOk();
  ASSERT_EQ(ended_.size(), 1u);
  EXPECT_EQ(ended_[0], "caller-bye");
  timers_.advance(std::chrono::seconds(30));
  EXPECT_EQ(ended_.size(), 1u);
  EXPECT_EQ(proxy_->stats().reconnectsExpired, 0u);
}

class ProxyWithoutReconnectGraceTest : public ProxyWebSocketReconnectTest {
 protected:
  void configure(ProxyOptions& options) override { options.reconnectGrace = Duration{0}; }
};

TEST_F(ProxyWithoutReconnectGraceTest, TheCallEndsWithItsConnection) {
  bobCallsCarol();
  close(browser.connectionId);
  EXPECT_TRUE(sentTo(bob, "BYE"));
  relay_.drainOk();
  ASSERT_EQ(ended_.size(), 1u);
  EXPECT_EQ(ended_[0], "connection-closed");
}

}  // namespace
}  // namespace rtcgate::proxy
