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
  EXPECT_EQ(mediaOf(cdr),
            R"({"from_caller":{"codec":null,"clock_rate":null,"payload_type":null,"ptime":null,)"
            R"("packets":200,"lost":10,"loss_percent":4.76,"jitter_ms":10,"mos":4.1,"rtt_ms":0.1,)"
            R"("far_end":{"lost":10,"loss_percent":4,"jitter_ms":10}},)"
            R"("from_callee":{"codec":null,"clock_rate":null,"payload_type":null,"ptime":null,)"
            R"("packets":100,"lost":0,"loss_percent":0,"jitter_ms":5,"mos":4.3,"rtt_ms":0.1,)"
            R"("far_end":{"lost":0,"loss_percent":0,"jitter_ms":5}}})");
}

TEST(CdrWriter, MediaStatisticsFromRtcgateDeleteReply) {
  const auto reply = golden("rtcgate_delete.bencode");
  const auto media = mediaOf(CdrWriter::format(endedCall(), &reply));
  EXPECT_NE(media.find(R"("packets":200,"lost":10,"loss_percent":4.76,)"), std::string::npos)
      << media;
  EXPECT_NE(media.find(R"("packets":100,"lost":0,"loss_percent":0,)"), std::string::npos) << media;
}

// Without the relay (direct media) a record still says which codec each direction used, from the
// SDPs: the first codec of the receiver's list that the sender also offered.
TEST(CdrWriter, CodecsFromTheSdpsWithoutAReport) {
  auto call = endedCall();
  call.caller.formats = sdp::AudioFormats::parse(
      "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
      "m=audio 4000 RTP/AVP 8 0 101\r\na=rtpmap:101 telephone-event/8000\r\na=ptime:30\r\n");
  call.callee.formats = sdp::AudioFormats::parse(
      "v=0\r\no=- 2 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
      "m=audio 5000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\na=ptime:20\r\n");
  EXPECT_EQ(mediaOf(CdrWriter::format(call, nullptr)),
            R"({"from_caller":{"codec":"PCMU","clock_rate":8000,"payload_type":0,"ptime":20},)"
            R"("from_callee":{"codec":"PCMU","clock_rate":8000,"payload_type":0,"ptime":30}})");
}

TEST(CallJson, MediaQualityOfAPartyTheRelayDoesNotKnowIsZero) {
  const auto reply = golden("rtpengine_query.bencode");
  auto call = endedCall();
  call.callee.tag = "another-branch";
  const auto json = events::mediaQualityJson(call, &reply);
  EXPECT_NE(json.find(R"("packets":0,"lost":0,"loss_percent":0,"jitter_ms":0,"mos":0,)"
                      R"("rtt_ms":null,"far_end":null})"),
            std::string::npos)
      << json;
}

}  // namespace
}  // namespace rtcgate::events
