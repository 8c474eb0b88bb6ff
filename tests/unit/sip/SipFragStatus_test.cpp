#include "sip/SipFragStatus.hpp"

#include <gtest/gtest.h>

namespace rtcgate::sip {
namespace {

TEST(SipFragStatus, ReadsTheStatusLineOfAReferNotify) {
  EXPECT_EQ(sipFragStatus("SIP/2.0 100 Trying\r\n"), 100);
  EXPECT_EQ(sipFragStatus("SIP/2.0 200 OK"), 200);
  EXPECT_EQ(sipFragStatus("sip/2.0 486 Busy Here\r\nWarning: x\r\n"), 486);
  EXPECT_EQ(sipFragStatus("  SIP/2.0 603 Decline\r\n"), 603);
}

TEST(SipFragStatus, RefusesWhatIsNoStatusLine) {
  EXPECT_FALSE(sipFragStatus(""));
  EXPECT_FALSE(sipFragStatus("SIP/2.0 "));
  EXPECT_FALSE(sipFragStatus("SIP/2.0 20"));
  EXPECT_FALSE(sipFragStatus("SIP/2.0 2000 OK"));
  EXPECT_FALSE(sipFragStatus("SIP/2.0 099 Low"));
  EXPECT_FALSE(sipFragStatus("SIP/2.0 700 High"));
  EXPECT_FALSE(sipFragStatus("SIP/3.0 200 OK"));
  EXPECT_FALSE(sipFragStatus("INVITE sip:bob@example.com SIP/2.0\r\n"));
}

}  // namespace
}  // namespace rtcgate::sip
