#include "sip/DeltaSeconds.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "sip/NameAddr.hpp"
#include "sip/SipMessage.hpp"

namespace rtcgate::sip {
namespace {

TEST(DeltaSeconds, ParsesAndSaturates) {
  EXPECT_EQ(parseDeltaSeconds("3600"), 3600u);
  EXPECT_EQ(parseDeltaSeconds(" 0 "), 0u);
  EXPECT_EQ(parseDeltaSeconds("4294967295"), 4294967295u);
  EXPECT_EQ(parseDeltaSeconds("4294967296"), 4294967295u);
  EXPECT_EQ(parseDeltaSeconds(std::string(200, '9')), 4294967295u);
  EXPECT_FALSE(parseDeltaSeconds("").has_value());
  EXPECT_FALSE(parseDeltaSeconds("-1").has_value());
  EXPECT_FALSE(parseDeltaSeconds("12a").has_value());
  EXPECT_FALSE(parseDeltaSeconds(std::string(200, '9') + "x").has_value());
}

TEST(DeltaSeconds, MessageExpiresAndContactExpires) {
  auto m = SipMessage::parse(
      "REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
      "To: <sip:a@example.com>\r\nFrom: <sip:a@example.com>;tag=1\r\nCall-ID: e\r\n"
      "CSeq: 1 REGISTER\r\nExpires: 100000000000000000000000\r\n"
      "Contact: <sip:a@192.0.2.1>\r\n  ;expires=280297596632815\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(m.ok()) << m.error();
  EXPECT_EQ(m->expires(), 4294967295u);
  auto contact = parseNameAddr(m->find(HeaderId::Contact)->value);
  ASSERT_TRUE(contact.ok());
  EXPECT_EQ(parseDeltaSeconds(contact->params.get("expires").value_or("")), 4294967295u);
}

}  // namespace
}  // namespace rtcgate::sip
