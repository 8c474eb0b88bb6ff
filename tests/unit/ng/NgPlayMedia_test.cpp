// `play media` / `stop media` as ng clients send them.
#include <gtest/gtest.h>

#include "ng/NgRequest.hpp"

namespace rtcgate::ng {
namespace {

Value request(const std::string& command) {
  Value dict = Value::dict();
  dict.set("command", command);
  dict.set("call-id", "c1");
  dict.set("from-tag", "alice");
  return dict;
}

TEST(NgPlayMedia, PlayMediaReadsFileAndRepeatTimes) {
  Value dict = request("play media");
  dict.set("file", "hello.wav");
  dict.set("repeat times", Value::integer(3));
  auto parsed = NgRequest::parse(dict);
  ASSERT_TRUE(parsed.ok()) << parsed.error();
  EXPECT_EQ(parsed->command, Command::PlayMedia);
  EXPECT_EQ(parsed->fromTag, "alice");
  EXPECT_EQ(parsed->media.file, "hello.wav");
  EXPECT_EQ(parsed->media.repeatTimes, 3);
  EXPECT_TRUE(parsed->warnings.empty()) << parsed->warningText();
}

TEST(NgPlayMedia, RepeatTimesAbsentOrNotANumber) {
  Value dict = request("play media");
  dict.set("file", "a.wav");
  auto plain = NgRequest::parse(dict);
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->media.repeatTimes);
  dict.set("repeat-times", "often");
  auto odd = NgRequest::parse(dict);
  ASSERT_TRUE(odd.ok());
  EXPECT_FALSE(odd->media.repeatTimes);
  EXPECT_FALSE(odd->warnings.empty());
}

TEST(NgPlayMedia, BothNeedACallId) {
  for (const char* command : {"play media", "stop media"}) {
    Value missing = Value::dict();
    missing.set("command", command);
    auto refused = NgRequest::parse(missing);
    ASSERT_FALSE(refused.ok()) << command;
    EXPECT_STREQ(refused.error(), "No call-id in message");
  }
  auto stop = NgRequest::parse(request("stop media"));
  ASSERT_TRUE(stop.ok());
  EXPECT_EQ(stop->command, Command::StopMedia);
}

}  // namespace
}  // namespace rtcgate::ng
