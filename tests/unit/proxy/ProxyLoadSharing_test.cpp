// Routes and trunks whose targets have weights share their calls by weight; a target that fails
// hands its call to the next, and a target of weight 0 only stands in.
#include <gtest/gtest.h>

#include "unit/proxy/ProxyHarness.hpp"

namespace rtcgate::proxy::testing {
namespace {

class ProxyLoadSharingTest : public ProxyHarness {
 protected:
  void configure(ProxyOptions& options) override {
    Trunk trunk;
    trunk.name = "carrier";
    trunk.addresses = {"sip:127.0.0.9:5090", "sip:127.0.0.10:5090"};
    trunk.rotation = std::make_shared<WeightedRotation>(std::vector<std::uint32_t>{1, 1});
    options.trunks.push_back(trunk);
  }
  StaticRoutes routes() override {
    StaticRoutes table;
    StaticRoutes::Route pbx;
    pbx.pattern = "^1[0-9]+$";
    pbx.targets = {"sip:127.0.0.11:5090", "sip:127.0.0.12:5090", "sip:127.0.0.13:5090"};
    pbx.rotation = std::make_shared<WeightedRotation>(std::vector<std::uint32_t>{3, 1, 0});
    table.add(pbx);
    StaticRoutes::Route carrier;
    carrier.pattern = "^0[0-9]+$";
    carrier.trunk = "carrier";
    table.add(carrier);
    return table;
  }

  void aliceDials(const std::string& number, const std::string& callId) {
    proxy_->onMessage("INVITE sip:" + number + "@localhost SIP/2.0\r\n" +
                          "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bK-" + callId +
                          "\r\nMax-Forwards: 70\r\nFrom: <sip:alice@localhost>;tag=a1\r\n"
                          "To: <sip:" +
                          number + "@localhost>\r\nCall-ID: " + callId +
                          "\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@127.0.0.1:5080>\r\n"
                          "Content-Length: 0\r\n\r\n",
                      aliceFlow);
  }
  std::size_t invitesTo(const char* host) const {
    return countSentTo(address(host, 5090), "INVITE");
  }
};

TEST_F(ProxyLoadSharingTest, ARoutesCallsAreSharedByWeightAndAStandInGetsNone) {
  for (int i = 0; i < 8; ++i) aliceDials("1000", "share-" + std::to_string(i));
  EXPECT_EQ(invitesTo("127.0.0.11"), 6u);
  EXPECT_EQ(invitesTo("127.0.0.12"), 2u);
  EXPECT_EQ(invitesTo("127.0.0.13"), 0u);
}

TEST_F(ProxyLoadSharingTest, ATrunksCallsAlternateBetweenItsAddresses) {
  for (int i = 0; i < 4; ++i) aliceDials("0207", "trunk-share-" + std::to_string(i));
  EXPECT_EQ(invitesTo("127.0.0.9"), 2u);
  EXPECT_EQ(invitesTo("127.0.0.10"), 2u);
}

TEST_F(ProxyLoadSharingTest, AFailedTargetHandsItsCallToTheNextAndTheStandInLast) {
  unreachable_ = {address("127.0.0.11", 5090), address("127.0.0.12", 5090)};
  aliceDials("1000", "share-failover");
  EXPECT_EQ(invitesTo("127.0.0.11"), 1u);
  EXPECT_EQ(invitesTo("127.0.0.12"), 1u);
  const auto standIn = sentTo(address("127.0.0.13", 5090), "INVITE");
  ASSERT_TRUE(standIn);
  EXPECT_EQ(standIn->requestUri(), "sip:1000@127.0.0.13:5090");
}

}  // namespace
}  // namespace rtcgate::proxy::testing
