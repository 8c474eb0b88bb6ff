#include "transaction/ReceivedVia.hpp"

#include <gtest/gtest.h>

#include "TransactionTestKit.hpp"

namespace rtcgate::transaction::test {
namespace {

std::string topViaAfterMarking(const std::string& via, const sip::Flow& flow) {
  RequestSpec spec;
  spec.via = via;
  auto request = parse(requestText(spec));
  markReceived(request, flow);
  return std::string(request.find(sip::HeaderId::Via)->value);
}

// udpFlow() comes from 192.0.2.10:40000.
TEST(ReceivedVia, ASentByThatIsTheSourceIsLeftAlone) {
  EXPECT_EQ(topViaAfterMarking("SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bK1", udpFlow()),
            "SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bK1");
}

TEST(ReceivedVia, AnotherSentByGetsReceived) {
  EXPECT_EQ(topViaAfterMarking("SIP/2.0/UDP 10.0.0.5:5070;branch=z9hG4bK1", udpFlow()),
            "SIP/2.0/UDP 10.0.0.5:5070;branch=z9hG4bK1;received=192.0.2.10");
}

TEST(ReceivedVia, RportGetsTheSourcePortAndReceivedEvenFromTheSameHost) {
  EXPECT_EQ(topViaAfterMarking("SIP/2.0/UDP 192.0.2.10:5070;rport;branch=z9hG4bK1", udpFlow()),
            "SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bK1;received=192.0.2.10;rport=40000");
}

TEST(ReceivedVia, ForgedValuesAreReplaced) {
  EXPECT_EQ(topViaAfterMarking("SIP/2.0/UDP a.example;RECEIVED=203.0.113.1;rport=1;branch=z9hG4bK1",
                               udpFlow()),
            "SIP/2.0/UDP a.example;branch=z9hG4bK1;received=192.0.2.10;rport=40000");
}

}  // namespace
}  // namespace rtcgate::transaction::test
