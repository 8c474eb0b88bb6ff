#include "sip/SessionExpires.hpp"

#include <gtest/gtest.h>

#include "sip/HeaderId.hpp"

namespace rtcgate::sip {
namespace {

TEST(SessionExpires, ParsesIntervalAndRefresher) {
  auto value = SessionExpires::parse("1800");
  ASSERT_TRUE(value);
  EXPECT_EQ(value->seconds, 1800u);
  EXPECT_EQ(value->refresher, SessionExpires::Refresher::Unspecified);
  value = SessionExpires::parse("90 ; refresher = UAS");
  ASSERT_TRUE(value);
  EXPECT_EQ(value->seconds, 90u);
  EXPECT_EQ(value->refresher, SessionExpires::Refresher::Uas);
  value = SessionExpires::parse("120;x=1;refresher=uac;lr");
  ASSERT_TRUE(value);
  EXPECT_EQ(value->refresher, SessionExpires::Refresher::Uac);
}

TEST(SessionExpires, RefusesWhatIsNotDeltaSeconds) {
  EXPECT_FALSE(SessionExpires::parse(""));
  EXPECT_FALSE(SessionExpires::parse("-5"));
  EXPECT_FALSE(SessionExpires::parse("ninety;refresher=uac"));
  EXPECT_FALSE(SessionExpires::parse(";refresher=uac"));
}

TEST(SessionExpires, OptionTagsAreFoundInLists) {
  EXPECT_TRUE(listsOptionTag("timer", "timer"));
  EXPECT_TRUE(listsOptionTag("100rel, Timer ,replaces", "timer"));
  EXPECT_FALSE(listsOptionTag("100rel, timers", "timer"));
  EXPECT_FALSE(listsOptionTag("", "timer"));
}

TEST(SessionExpires, HeaderNamesAreKnownInFullAndCompactForm) {
  EXPECT_EQ(headerIdFromName("Session-Expires"), HeaderId::SessionExpires);
  EXPECT_EQ(headerIdFromName("session-expires"), HeaderId::SessionExpires);
  EXPECT_EQ(headerIdFromName("x"), HeaderId::SessionExpires);
  EXPECT_EQ(headerIdFromName("Min-SE"), HeaderId::MinSe);
  EXPECT_EQ(headerIdFromName("Server"), HeaderId::Server);
  EXPECT_EQ(canonicalHeaderName(HeaderId::MinSe), "Min-SE");
}

}  // namespace
}  // namespace rtcgate::sip
