#include "sip/DtmfInfoBody.hpp"

#include <gtest/gtest.h>

namespace rtcgate::sip {
namespace {

TEST(DtmfInfoBody, ParsesDtmfRelay) {
  auto body = DtmfInfoBody::parse("application/dtmf-relay", "Signal=5\r\nDuration=160\r\n");
  ASSERT_TRUE(body);
  EXPECT_EQ(body->digit, '5');
  EXPECT_EQ(body->durationMs, 160u);
}

TEST(DtmfInfoBody, ToleratesSpacesCaseLfOrderAndMissingDuration) {
  auto body = DtmfInfoBody::parse("Application/DTMF-Relay; charset=x",
                                  "duration = 250\nsignal= #\nExtra=1\n");
  ASSERT_TRUE(body);
  EXPECT_EQ(body->digit, '#');
  EXPECT_EQ(body->durationMs, 250u);
  body = DtmfInfoBody::parse("application/dtmf-relay", "SIGNAL = a");
  ASSERT_TRUE(body);
  EXPECT_EQ(body->digit, 'A');
  EXPECT_FALSE(body->durationMs);
}

TEST(DtmfInfoBody, TakesEventNumbersAsSignal) {
  EXPECT_EQ(DtmfInfoBody::parse("application/dtmf-relay", "Signal=10\r\n")->digit, '*');
  EXPECT_EQ(DtmfInfoBody::parse("application/dtmf-relay", "Signal=11\r\n")->digit, '#');
  EXPECT_EQ(DtmfInfoBody::parse("application/dtmf-relay", "Signal=15\r\n")->digit, 'D');
  EXPECT_FALSE(DtmfInfoBody::parse("application/dtmf-relay", "Signal=16\r\n"));
}

TEST(DtmfInfoBody, ParsesPlainDtmf) {
  auto body = DtmfInfoBody::parse("application/dtmf", "7\r\n");
  ASSERT_TRUE(body);
  EXPECT_EQ(body->digit, '7');
  EXPECT_FALSE(body->durationMs);
  EXPECT_EQ(DtmfInfoBody::parse("application/dtmf", " * ")->digit, '*');
}

TEST(DtmfInfoBody, RefusesWhatNamesNoDigit) {
  EXPECT_FALSE(DtmfInfoBody::parse("application/sdp", "Signal=5\r\n"));
  EXPECT_FALSE(DtmfInfoBody::parse("application/dtmf-relay", "Duration=100\r\n"));
  EXPECT_FALSE(DtmfInfoBody::parse("application/dtmf-relay", "Signal=E\r\n"));
  EXPECT_FALSE(DtmfInfoBody::parse("application/dtmf-relay", "Signal=\r\n"));
  EXPECT_FALSE(DtmfInfoBody::parse("application/dtmf-relay", ""));
  EXPECT_FALSE(DtmfInfoBody::parse("application/dtmf", "55"));
  EXPECT_FALSE(DtmfInfoBody::parse("application/dtmf", ""));
}

TEST(DtmfInfoBody, IgnoresAnUnreadableDuration) {
  auto body = DtmfInfoBody::parse("application/dtmf-relay", "Signal=1\r\nDuration=-5\r\n");
  ASSERT_TRUE(body);
  EXPECT_FALSE(body->durationMs);
  body = DtmfInfoBody::parse("application/dtmf-relay", "Signal=1\r\nDuration=99999999\r\n");
  ASSERT_TRUE(body);
  EXPECT_FALSE(body->durationMs);
}

TEST(DtmfInfoBody, WritesBothFormatsAndReadsThemBack) {
  const DtmfInfoBody body{'#', 120};
  EXPECT_EQ(body.write(DtmfInfoBody::Format::DtmfRelay), "Signal=#\r\nDuration=120\r\n");
  EXPECT_EQ(body.write(DtmfInfoBody::Format::Dtmf), "#");
  EXPECT_EQ((DtmfInfoBody{'3', std::nullopt}.write(DtmfInfoBody::Format::DtmfRelay)),
            "Signal=3\r\n");
  for (auto format : {DtmfInfoBody::Format::DtmfRelay, DtmfInfoBody::Format::Dtmf}) {
    EXPECT_EQ(DtmfInfoBody::formatOf(DtmfInfoBody::contentType(format)), format);
    auto back = DtmfInfoBody::parse(DtmfInfoBody::contentType(format), body.write(format));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->digit, '#');
  }
}

}  // namespace
}  // namespace rtcgate::sip
