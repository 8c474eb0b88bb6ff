// `play DTMF` requests as rtpengine's clients send them.
#include <gtest/gtest.h>

#include "ng/Bencode.hpp"
#include "ng/NgRequest.hpp"

namespace rtcgate::ng {
namespace {

Result<NgRequest> parseText(const std::string& text) {
  auto value = Bencode::decode(text);
  EXPECT_TRUE(value.ok()) << text;
  return NgRequest::parse(*value);
}

TEST(NgPlayDtmf, ReadsCodeDurationPauseAndVolume) {
  auto request = parseText(
      "d7:command9:play DTMF7:call-id2:c18:from-tag1:a4:code4:123#8:durationi120e"
      "5:pause3:2006:volumei-10ee");
  ASSERT_TRUE(request.ok()) << request.error();
  EXPECT_EQ(request->command, Command::PlayDtmf);
  EXPECT_EQ(request->callId, "c1");
  EXPECT_EQ(request->fromTag, "a");
  EXPECT_EQ(request->dtmf.code, "123#");
  EXPECT_FALSE(request->dtmf.event);
  EXPECT_EQ(request->dtmf.duration, 120);
  EXPECT_EQ(request->dtmf.pause, 200);  // a number as a string, as ng allows
  EXPECT_EQ(request->dtmf.volume, -10);
  EXPECT_TRUE(request->warnings.empty()) << request->warningText();
}

TEST(NgPlayDtmf, IntegerCodeIsAnEventNumberAndCallIdIsNeeded) {
  auto request = parseText("d7:command9:play DTMF7:call-id2:c18:from-tag1:a4:codei11ee");
  ASSERT_TRUE(request.ok()) << request.error();
  EXPECT_EQ(request->dtmf.event, 11);
  EXPECT_TRUE(request->dtmf.code.empty());
  EXPECT_FALSE(request->dtmf.duration);
  auto missing = parseText("d7:command9:play DTMF4:code1:1e");
  ASSERT_FALSE(missing.ok());
  EXPECT_STREQ(missing.error(), "No call-id in message");
}

}  // namespace
}  // namespace rtcgate::ng
