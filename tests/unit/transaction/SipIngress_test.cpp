// SipIngress: the bottom of the SIP stack. What it passes up to the transaction layer (and so to
// the TU), what it answers or drops on its own, and what it counts.
#include "transaction/SipIngress.hpp"

#include <gtest/gtest.h>

#include "TransactionTestKit.hpp"
#include "sip/MessageLimits.hpp"

namespace rtcgate::transaction::test {
namespace {

constexpr auto kInvite = static_cast<std::size_t>(sip::Method::Invite);
constexpr auto kUdp = static_cast<std::size_t>(sip::Transport::Udp);

class SipIngressTest : public TransactionTest {
 protected:
  SipIngressTest() { makeIngress({}); }

  void makeIngress(RateLimitOptions rateLimit) {
    ingress_ = std::make_unique<SipIngress>(
        timers_,
        [this](const sip::Flow& flow, std::string_view bytes) {
          sent_.push_back({flow, std::string(bytes)});
          return true;
        },
        *layer_, rateLimit);
  }

  // A request from 192.0.2.10:40000 (udpFlow) whose Via names port 5070: behind a NAT.
  static std::string natedInvite(const std::string& name = "call-1") {
    RequestSpec spec;
    spec.via = "SIP/2.0/UDP 10.0.0.5:5070;branch=z9hG4bK-" + name + ";rport";
    spec.callId = name + "@192.0.2.10";
    return requestText(spec);
  }

  std::unique_ptr<SipIngress> ingress_;
};

TEST_F(SipIngressTest, ARequestReachesTheLayerWithReceivedAndRportSet) {
  ingress_->onMessage(natedInvite(), udpFlow());
  ASSERT_EQ(user_.count("request"), 1u);
  const auto request = parse(user_.last("request")->message);
  EXPECT_EQ(request.topVia().host, "10.0.0.5");
  EXPECT_EQ(request.topVia().params.get("received"), "192.0.2.10");
  EXPECT_EQ(request.topVia().params.get("rport"), "40000");
  // The layer took it as a new INVITE server transaction: its 100 went back to the source.
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(statusOf(sent_[0].bytes), 100);
  EXPECT_EQ(sent_[0].flow.remote, udpFlow().remote);
  EXPECT_EQ(ingress_->stats().requestsReceived, 1u);
  EXPECT_EQ(ingress_->stats().requestsByMethod[kInvite][kUdp], 1u);
  EXPECT_EQ(ingress_->stats().responsesReceived, 0u);
}

TEST_F(SipIngressTest, AResponseReachesTheLayerAndIsCountedByClass) {
  const auto response = responseTo(requestText({}), 486, "Busy Here", "b1");
  ingress_->onMessage(response.serialize(), udpFlow());
  // No client transaction of ours: the layer reports it stray to the TU.
  EXPECT_EQ(user_.count("stray"), 1u);
  EXPECT_EQ(ingress_->stats().responsesReceived, 1u);
  EXPECT_EQ(ingress_->stats().responsesByClass[3][kUdp], 1u);
  EXPECT_EQ(ingress_->stats().requestsReceived, 0u);
}

TEST_F(SipIngressTest, AMalformedRequestIsAnsweredWith400AndCounted) {
  std::string text = requestText({});
  text.replace(text.find("CSeq: 1 INVITE"), 14, "CSeq: one INVITE");
  ingress_->onMessage(text, udpFlow());
  EXPECT_TRUE(user_.events.empty());
  ASSERT_EQ(sent_.size(), 1u);
  // The answer copies the request's CSeq as it came: it does not parse either.
  EXPECT_TRUE(sent_[0].bytes.starts_with("SIP/2.0 400 Bad CSeq\r\n")) << sent_[0].bytes;
  EXPECT_EQ(sent_[0].flow.remote, udpFlow().remote);
  const auto& stats = ingress_->stats();
  EXPECT_EQ(stats.parseErrors, 1u);
  EXPECT_EQ(stats.badRequestsAnswered, 1u);
  EXPECT_EQ(stats.limitRefused, 0u);
  EXPECT_EQ(stats.datagramsDropped, 0u);
  EXPECT_EQ(stats.requestsReceived, 0u);
}

TEST_F(SipIngressTest, ARequestOverAParsingCapIsAnsweredAndCountedAsLimitRefused) {
  RequestSpec spec;
  for (std::size_t i = 0; i < sip::MessageLimits::kVias; ++i) {
    spec.extraHeaders.push_back("Via: SIP/2.0/UDP 198.51.100.1;branch=z9hG4bK" + std::to_string(i));
  }
  ingress_->onMessage(requestText(spec), udpFlow());
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_TRUE(sent_[0].bytes.starts_with("SIP/2.0 400 Too Many Via Entries\r\n"));
  EXPECT_EQ(ingress_->stats().parseErrors, 1u);
  EXPECT_EQ(ingress_->stats().limitRefused, 1u);
}

TEST_F(SipIngressTest, GarbageIsDroppedAndCounted) {
  ingress_->onMessage("\x16\x03\x01 not SIP at all\r\n\r\n", udpFlow());
  EXPECT_TRUE(user_.events.empty());
  EXPECT_TRUE(sent_.empty());
  EXPECT_EQ(ingress_->stats().parseErrors, 1u);
  EXPECT_EQ(ingress_->stats().datagramsDropped, 1u);
  EXPECT_EQ(ingress_->stats().badRequestsAnswered, 0u);
}

TEST_F(SipIngressTest, AFloodedSourceIsDroppedAndCountedWhileOthersAndResponsesPass) {
  makeIngress({1, 2});  // a burst of 2, then 1 per second
  for (int i = 0; i < 5; ++i) {
    ingress_->onMessage(natedInvite("flood-" + std::to_string(i)), udpFlow());
  }
  EXPECT_EQ(user_.count("request"), 2u);
  EXPECT_EQ(ingress_->stats().rateLimited, 3u);
  EXPECT_EQ(ingress_->stats().requestsReceived, 2u);  // the dropped ones were never parsed
  EXPECT_EQ(ingress_->stats().parseErrors, 0u);
  // Responses answer our own transactions: the limit does not apply to them.
  ingress_->onMessage(responseTo(requestText({}), 200, "OK", "b1").serialize(), udpFlow());
  EXPECT_EQ(user_.count("stray"), 1u);
  // Another source has its own bucket; the flooded one gets a request through once it refills.
  sip::Flow other = udpFlow();
  other.remote = address("192.0.2.77", 5060);
  ingress_->onMessage(natedInvite("other"), other);
  EXPECT_EQ(user_.count("request"), 3u);
  advance(1000);
  ingress_->onMessage(natedInvite("later"), udpFlow());
  EXPECT_EQ(user_.count("request"), 4u);
  EXPECT_EQ(ingress_->stats().rateLimited, 3u);
}

TEST_F(SipIngressTest, TheProcessingObserverIsToldHowLongEachMessageTook) {
  std::vector<double> observed;
  ingress_->onProcessed([&](double seconds) { observed.push_back(seconds); });
  // The TU's work is part of the message's time: here it takes 3 ms.
  user_.onRequestHook = [this](TransactionId, sip::SipMessage&) { advance(3); };
  ingress_->onMessage(natedInvite(), udpFlow());
  ingress_->onMessage("garbage", udpFlow());
  ASSERT_EQ(observed.size(), 2u);
  EXPECT_DOUBLE_EQ(observed[0], 0.003);
  EXPECT_DOUBLE_EQ(observed[1], 0.0);
}

}  // namespace
}  // namespace rtcgate::transaction::test
