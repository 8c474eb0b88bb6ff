// `start recording` / `stop recording` and `record call` as ng clients send them.
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

TEST(NgRecording, StartRecordingReadsDirFileFormatAndMix) {
  Value dict = request("start recording");
  dict.set("recording-dir", "2026/12");
  dict.set("recording file", "c1.wav");  // rtpengine's spellings with a space too
  dict.set("recording-format", "WAV");
  dict.set("recording_mix", "Mono");
  auto parsed = NgRequest::parse(dict);
  ASSERT_TRUE(parsed.ok()) << parsed.error();
  EXPECT_EQ(parsed->command, Command::StartRecording);
  EXPECT_EQ(parsed->callId, "c1");
  EXPECT_EQ(parsed->fromTag, "alice");
  EXPECT_EQ(parsed->recording.dir, "2026/12");
  EXPECT_EQ(parsed->recording.file, "c1.wav");
  EXPECT_EQ(parsed->recording.format, "wav");
  EXPECT_EQ(parsed->recording.mix, "mono");
  EXPECT_TRUE(parsed->warnings.empty()) << parsed->warningText();
}

TEST(NgRecording, StopRecordingNeedsACallId) {
  auto parsed = NgRequest::parse(request("stop recording"));
  ASSERT_TRUE(parsed.ok()) << parsed.error();
  EXPECT_EQ(parsed->command, Command::StopRecording);
  Value missing = Value::dict();
  missing.set("command", "stop recording");
  auto refused = NgRequest::parse(missing);
  ASSERT_FALSE(refused.ok());
  EXPECT_STREQ(refused.error(), "No call-id in message");
}

TEST(NgRecording, RecordCallKeyAndFlag) {
  Value offer = request("offer");
  offer.set("sdp", "v=0\r\n");
  offer.set("record call", "yes");
  auto parsed = NgRequest::parse(offer);
  ASSERT_TRUE(parsed.ok()) << parsed.error();
  EXPECT_TRUE(parsed->recordCall);
  offer.set("record call", "no");
  EXPECT_FALSE(NgRequest::parse(offer)->recordCall);
  Value flagged = request("offer");
  flagged.set("sdp", "v=0\r\n");
  flagged.set("flags", Value::list()).push("record-call");
  EXPECT_TRUE(NgRequest::parse(flagged)->recordCall);
}

}  // namespace
}  // namespace rtcgate::ng
