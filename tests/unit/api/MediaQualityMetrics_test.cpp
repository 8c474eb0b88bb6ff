#include "api/MediaQualityMetrics.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "ng/Bencode.hpp"

namespace rtcgate::api {
namespace {

// tests/unit/media/relay/golden/rtcgate_delete.bencode: a PCMU call through rtcgate's relay, the
// caller sending 200 packets with 10 lost, the callee 100, both with RTCP (see NgCallStats_test).
ng::Value goldenDelete() {
  std::ifstream in(
      std::string(RTCGATE_SOURCE_DIR) + "/tests/unit/media/relay/golden/rtcgate_delete.bencode",
      std::ios::binary);
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  auto value = ng::Bencode::decode(text);
  EXPECT_TRUE(value);
  return value ? std::move(*value) : ng::Value::dict();
}

proxy::Dialog pcmuCall() {
  proxy::Dialog call;
  call.caller.tag = "caller-tag";
  call.callee.tag = "callee-tag";
  const std::string sdp =
      "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
      "m=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
  call.caller.formats = sdp::AudioFormats::parse(sdp);
  call.callee.formats = sdp::AudioFormats::parse(sdp);
  return call;
}

TEST(MediaQualityMetrics, EachDirectionOfARelayedCallUnderItsCodec) {
  http::MetricsRegistry registry;
  MediaQualityMetrics metrics;
  ASSERT_TRUE(metrics.declare(registry));
  const auto report = goldenDelete();
  metrics.onCallRecord(pcmuCall(), &report);
  ASSERT_NE(metrics.jitter("PCMU"), nullptr);
  EXPECT_EQ(metrics.jitter("pcmu")->count(), 2u);
  EXPECT_EQ(metrics.jitter("opus")->count(), 0u);
  const std::string text = registry.renderPrometheus();
  EXPECT_NE(text.find(R"(rtcgate_call_media_loss_percent_count{codec="PCMU"} 2)"),
            std::string::npos)
      << text;
  // Both parties answered RTCP with an echo of the other's SR: a round trip for each.
  EXPECT_NE(text.find(R"(rtcgate_call_media_rtt_seconds_count{codec="PCMU"} 2)"),
            std::string::npos);
  // A call with direct media has no report: nothing observed.
  metrics.onCallRecord(pcmuCall(), nullptr);
  EXPECT_EQ(metrics.jitter("PCMU")->count(), 2u);
}

TEST(MediaQualityMetrics, UnknownCodecsShareOneLabel) {
  EXPECT_EQ(MediaQualityMetrics::codecLabel("OPUS"), "opus");
  EXPECT_EQ(MediaQualityMetrics::codecLabel("x-attacker-codec-1"), "other");
  EXPECT_EQ(MediaQualityMetrics::codecLabel(""), "other");
}

}  // namespace
}  // namespace rtcgate::api
