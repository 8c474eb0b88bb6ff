#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fakes/FakeRelay.hpp"
#include "fakes/FakeTimers.hpp"
#include "proxy/ProxyCore.hpp"
#include "store/SqliteStore.hpp"
#include "transaction/SipIngress.hpp"

namespace rtcgate::proxy::testing {

// A ProxyCore fed as app::Gateway feeds it: what a test "receives" goes through a SipIngress
// (parse, 400s, received/rport, rate limit) into the proxy's transaction layer, so the tests'
// messages take the production path.
class IngressFedProxy : public ProxyCore {
 public:
  IngressFedProxy(ProxyOptions options, Timers& timers, const transaction::SendFunction& send,
                  store::Store& store, LocationService& location, StaticRoutes routes)
      : ProxyCore(std::move(options), timers, send, store, location, std::move(routes)),
        ingress_(timers, send, transactions()) {}

  // One complete message from the transports, as the harness's tests send them.
  void onMessage(std::string bytes, const sip::Flow& flow) {
    ingress_.onMessage(std::move(bytes), flow);
  }
  transaction::SipIngress& ingress() { return ingress_; }

 private:
  transaction::SipIngress ingress_;
};

// A ProxyCore (behind its ingress) on udp 127.0.0.1:5060 and wss :8443, without digest auth, its
// media through a FakeRelay the test answers by hand, everything it sends kept in sent_ and the end
// reasons of its calls in ended_. Two users are bound: bob, a SIP phone on udp 127.0.0.1:5070, and
// carol, a browser on WebSocket connection 7.
class ProxyHarness : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    store_ = store::SqliteStore::open(":memory:", error);
    ASSERT_TRUE(store_) << error;
    ProxyOptions options;
    options.auth = false;
    options.listeners = {{sip::Transport::Udp, udpLocal, "127.0.0.1"},
                         {sip::Transport::Wss, wssLocal, "127.0.0.1"}};
    options.dialogTimeout = std::chrono::minutes(1);
    options.mediaTimeout = Duration{0};
    options.tokenKey = tokenKey;  // as from sip.token_secret_file: tokens outlive a restart
    configure(options);
    proxy_ = std::make_unique<IngressFedProxy>(
        options, timers_,
        [this](const sip::Flow& flow, std::string_view bytes) {
          sent_.push_back({flow, std::string(bytes)});
          return std::find(unreachable_.begin(), unreachable_.end(), flow.remote) ==
                 unreachable_.end();
        },
        *store_, location_, routes());
    proxy_->setMediaControl(&relay_);
    proxy_->setConnectionLookup([this](std::uint64_t id) -> std::optional<sip::Flow> {
      if (id == browser.connectionId) return browser;
      return std::nullopt;
    });
    proxy_->calls().addObserver(callLog_);
    bind("bob", bobFlow, "sip:bob@127.0.0.1:5070");
    bind("carol", browser, "sip:carol@x.invalid;transport=ws");
  }

  // A fixture's changes to the options above, before the proxy is made.
  virtual void configure(ProxyOptions& options) { (void)options; }
  // A fixture's static routes (none by default).
  virtual StaticRoutes routes() { return {}; }

  void bind(const std::string& user, const sip::Flow& flow, const std::string& contact) {
    Binding binding;
    binding.key = contact;
    binding.contact = contact;
    binding.expiresAt = wallSeconds(timers_.wallNow()) + std::chrono::hours(1);
    binding.flow = flow;
    location_.save(user + "@localhost", binding);
  }

  // The callee answers an INVITE the proxy forwarded to it with 200, echoing its Record-Route;
  // returns that route set.
  std::vector<std::string> answerWith200(const sip::SipMessage& forwarded,
                                         const sip::Flow& calleeFlow, const std::string& toTag,
                                         const std::string& contact) {
    auto ok = forwarded.makeResponse(200, "OK", toTag);
    std::vector<std::string> routes;
    for (const auto& rr : forwarded.all(sip::HeaderId::RecordRoute)) {
      ok.appendHeader(sip::HeaderId::RecordRoute, std::string(rr));
      routes.emplace_back(rr);
    }
    ok.appendHeader(sip::HeaderId::Contact, contact);
    proxy_->onMessage(ok.serialize(), calleeFlow);
    return routes;
  }

  // Alice, a SIP phone on udp 127.0.0.1:5080 (aliceFlow), calls bob (without SDP unless `sdp`
  // is given); returns the INVITE as forwarded to bob's phone (none while the offer is with the
  // relay).
  std::optional<sip::SipMessage> aliceCallsBob(const std::string& callId,
                                               const std::string& sdp = {}) {
    const std::string body = sdp.empty() ? std::string("Content-Length: 0\r\n\r\n")
                                         : "Content-Type: application/sdp\r\nContent-Length: " +
                                               std::to_string(sdp.size()) + "\r\n\r\n" + sdp;
    proxy_->onMessage(
        "INVITE sip:bob@localhost SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bK-" +
            callId +
            "\r\nMax-Forwards: 70\r\nFrom: <sip:alice@localhost>;tag=alice1\r\n"
            "To: <sip:bob@localhost>\r\nCall-ID: " +
            callId + "\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@127.0.0.1:5080>\r\n" + body,
        aliceFlow);
    return sentTo(bob, "INVITE");
  }

  // The newest message sent to `remote` whose first line starts with `start`.
  std::optional<sip::SipMessage> sentTo(const SocketAddress& remote, std::string_view start) {
    for (auto it = sent_.rbegin(); it != sent_.rend(); ++it) {
      if (it->first.remote == remote && std::string_view(it->second).starts_with(start)) {
        if (auto parsed = sip::SipMessage::parse(it->second)) return std::move(*parsed);
      }
    }
    return std::nullopt;
  }
  std::size_t countSentTo(const SocketAddress& remote, std::string_view start) const {
    std::size_t n = 0;
    for (const auto& [flow, bytes] : sent_) {
      n += flow.remote == remote && std::string_view(bytes).starts_with(start);
    }
    return n;
  }

  static SocketAddress address(const char* host, std::uint16_t port) {
    return *SocketAddress::parse(host, port);
  }

  const SocketAddress udpLocal = address("127.0.0.1", 5060);
  const SocketAddress wssLocal = address("127.0.0.1", 8443);
  const SocketAddress bob = address("127.0.0.1", 5070);
  const sip::Flow browser{sip::Transport::Wss, wssLocal, address("127.0.0.1", 40000), 7};
  const sip::Flow bobFlow{sip::Transport::Udp, udpLocal, address("127.0.0.1", 5070), 0};
  const sip::Flow aliceFlow{sip::Transport::Udp, udpLocal, address("127.0.0.1", 5080), 0};
  const FlowToken::Key tokenKey{42, 7, 1};
  rtcgate::testing::FakeTimers timers_;
  std::unique_ptr<store::SqliteStore> store_;
  LocationService location_{nullptr};
  rtcgate::testing::FakeRelay relay_;
  std::unique_ptr<IngressFedProxy> proxy_;
  std::vector<std::pair<sip::Flow, std::string>> sent_;
  std::vector<SocketAddress> unreachable_;  // sends to these fail (a transport error)
  // What became of the proxy's calls: every event's name, and every ended call's reason once its
  // record is written (after the relay's final statistics).
  struct CallLog : CallObserver {
    std::vector<std::string> events;
    std::vector<std::string> ended;
    void onCallEvent(CallEvent event, const Dialog&) override {
      events.emplace_back(callEventName(event));
    }
    void onCallRecord(const Dialog& dialog, const ng::Value*) override {
      ended.push_back(dialog.endReason);
    }
  };
  CallLog callLog_;
  std::vector<std::string>& ended_ = callLog_.ended;
};

}  // namespace rtcgate::proxy::testing
