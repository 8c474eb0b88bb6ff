#include "transaction/TransactionKey.hpp"

#include <gtest/gtest.h>

#include "TransactionTestKit.hpp"

namespace rtcgate::transaction::test {
namespace {

TransactionKey serverKey(const RequestSpec& spec, std::string_view method) {
  return TransactionKey::forServer(request(spec), method);
}

TEST(TransactionKeyTest, Rfc3261KeyIsBranchSentByMethodAndCallId) {
  RequestSpec spec;
  const TransactionKey key = serverKey(spec, "INVITE");
  EXPECT_FALSE(key.isRfc2543());
  // A reused branch with another Call-ID is another request (RFC 4475 reuses branches).
  RequestSpec otherCall = spec;
  otherCall.callId = "changed";
  EXPECT_FALSE(serverKey(otherCall, "INVITE") == key);
  RequestSpec sameTx = spec;
  sameTx.via = "SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bKupstream1;rport";
  EXPECT_EQ(serverKey(sameTx, "INVITE"), key);
  RequestSpec upper = spec;
  upper.via = "SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bKupstream1";
  EXPECT_EQ(serverKey(upper, "INVITE"), key);
  EXPECT_FALSE(serverKey(spec, "CANCEL") == key);
  RequestSpec otherPort = spec;
  otherPort.via = "SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKupstream1";
  EXPECT_FALSE(serverKey(otherPort, "INVITE") == key);
}

TEST(TransactionKeyTest, SentByHostComparesCaseInsensitively) {
  RequestSpec lower;
  lower.via = "SIP/2.0/UDP host.example.test:5070;branch=z9hG4bKx";
  RequestSpec upper;
  upper.via = "SIP/2.0/UDP HOST.Example.TEST:5070;branch=z9hG4bKx";
  EXPECT_EQ(serverKey(lower, "INVITE"), serverKey(upper, "INVITE"));
}

TEST(TransactionKeyTest, Rfc2543KeyEndsWithTheToTag) {
  RequestSpec spec;
  spec.via = "SIP/2.0/UDP 192.0.2.10:5070";
  const TransactionKey key = serverKey(spec, "INVITE");
  EXPECT_TRUE(key.isRfc2543());
  RequestSpec ack = spec;
  ack.method = "ACK";
  ack.toTag = "t1";
  EXPECT_EQ(serverKey(ack, "INVITE"), key.withToTag("t1"));
  EXPECT_FALSE(serverKey(ack, "INVITE") == key);
}

TEST(TransactionKeyTest, ClientKeysSeparateMethodsAndSides) {
  EXPECT_FALSE(TransactionKey::forClient("z9hG4bKa", "INVITE") ==
               TransactionKey::forClient("z9hG4bKa", "CANCEL"));
  EXPECT_EQ(TransactionKey::forClient("z9hG4bKa", "INVITE"),
            TransactionKey::forClient("z9hG4bKa", "INVITE"));
}

}  // namespace
}  // namespace rtcgate::transaction::test
