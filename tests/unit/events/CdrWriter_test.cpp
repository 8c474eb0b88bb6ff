#include "events/CdrWriter.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "events/CallJson.hpp"
#include "ng/Bencode.hpp"

namespace rtcgate::events {
namespace {

// Replies of tests/unit/media/relay/golden (see NgCallStats_test.cpp for the traffic).
ng::Value golden(const std::string& name) {
  std::ifstream in(std::string(RTCGATE_SOURCE_DIR) + "/tests/unit/media/relay/golden/" + name,
                   std::ios::binary);
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  auto value = ng::Bencode::decode(text);
  EXPECT_TRUE(value) << name;
  return value ? std::move(*value) : ng::Value::dict();
}

proxy::Dialog endedCall() {
  proxy::Dialog d;
  d.id = 3;
  d.callId = "capture-call";
  d.caller.uri = "sip:alice@localhost";
  d.caller.tag = "caller-tag";
  d.callee.uri = "sip:echo@localhost";
  d.callee.tag = "callee-tag";
  d.anchored = true;
  d.created = proxy::SystemTime(std::chrono::seconds(1795713147));
  d.answered = proxy::SystemTime(std::chrono::seconds(1795713148));
  d.ended = proxy::SystemTime(std::chrono::seconds(1795713158));
  d.state = proxy::Dialog::State::Terminated;
  d.endReason = "caller-bye";
  d.endCode = 200;
  return d;
}

std::string mediaOf(const std::string& cdr) {
  const auto at = cdr.find(",\"media\":");
  return at == std::string::npos ? std::string() : cdr.substr(at + 9, cdr.size() - at - 10);
}

// RTPEngine's delete reply has no statistics: the proxy queries just before deleting.
TEST(CdrWriter, MediaStatisticsFromRtpengineQueryReply) {
  const auto reply = golden("rtpengine_query.bencode");
  const auto cdr = CdrWriter::format(endedCall(), &reply);
  EXPECT_TRUE(cdr.starts_with(R"({"call_id":"capture-call","from":"sip:alice@localhost",)")) << cdr;
  EXPECT_NE(cdr.find(R"("duration":10,"end_reason":"caller-bye","sip_code":200)"),
            std::string::npos)
      << cdr;
  // RTPEngine's MOS (x10 in the reply) comes from the endpoints' RTCP reports.
  EXPECT_EQ(
      mediaOf(cdr),
      R"({"from_caller":{"packets":200,"lost":10,"loss_percent":4.76,"jitter_ms":10,"mos":4.1},)"
      R"("from_callee":{"packets":100,"lost":0,"loss_percent":0,"jitter_ms":5,"mos":4.3}})");
}

TEST(CdrWriter, MediaStatisticsFromRtcgateDeleteReply) {
  const auto reply = golden("rtcgate_delete.bencode");
  const auto media = mediaOf(CdrWriter::format(endedCall(), &reply));
  EXPECT_TRUE(media.starts_with(R"({"from_caller":{"packets":200,"lost":10,"loss_percent":4.76,)"))
      << media;
  EXPECT_NE(media.find(R"("from_callee":{"packets":100,"lost":0,"loss_percent":0,)"),
            std::string::npos)
      << media;
}

TEST(CdrWriter, NoMediaWithoutAReport) {
  EXPECT_EQ(mediaOf(CdrWriter::format(endedCall(), nullptr)), "");
}

TEST(CallJson, MediaQualityOfAPartyTheRelayDoesNotKnowIsZero) {
  const auto reply = golden("rtpengine_query.bencode");
  auto call = endedCall();
  call.callee.tag = "another-branch";
  const auto json = events::mediaQualityJson(call, reply);
  EXPECT_NE(json.find(R"("from_callee":{"packets":0,"lost":0,"loss_percent":0,"jitter_ms":0,)"
                      R"("mos":0})"),
            std::string::npos)
      << json;
}

}  // namespace
}  // namespace rtcgate::events
