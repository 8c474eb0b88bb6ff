// Transcoding negotiation through CallNegotiator without sockets: what the offer toward the callee
// gains (ng codec transcode), how the answer toward the caller is rewritten when the callee picks
// a codec only the relay offered, and that a shared codec leaves the streams without a Transcoder.
#include "media/relay/TranscodePlanner.hpp"

#include <gtest/gtest.h>

#include "fakes/FakePortSource.hpp"
#include "fakes/FakeTimers.hpp"
#include "media/packet/EventLoop.hpp"
#include "media/packet/PacketRelay.hpp"
#include "media/relay/CallNegotiator.hpp"
#include "sdp/SessionDescription.hpp"

namespace rtcgate::media {
namespace {

std::string sdpWith(const std::string& audio) {
  return "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" + audio;
}

const std::string kPcmaOnly = sdpWith(
    "m=audio 40000 RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-15\r\n");

std::vector<std::string> formatsOf(const std::string& sdp) {
  auto description = sdp::SessionDescription::parse(sdp);
  EXPECT_TRUE(description.ok());
  std::vector<std::string> formats;
  for (std::string_view format : description->media().at(0).formats()) {
    formats.emplace_back(format);
  }
  return formats;
}

class TranscodePlannerTest : public ::testing::Test {
 protected:
  TranscodePlannerTest()
      : ports_(relay_, 100),
        negotiator_(ports_, timers_, {{{"default", PeerAddress{}, "127.0.0.1"}}, Duration{0}, {}}) {
    caller_.tag = "caller";
    caller_.partner = &callee_;
    callee_.partner = &caller_;
  }

  static ng::NgRequest request(const std::string& command, const std::string& sdp,
                               const std::vector<std::string>& transcode) {
    ng::Value dict = ng::Value::dict();
    dict.set("command", command);
    dict.set("call-id", "tc");
    dict.set("from-tag", "caller");
    if (command == "answer") dict.set("to-tag", "callee");
    dict.set("sdp", sdp);
    if (!transcode.empty()) {
      ng::Value& list = dict.set("codec", ng::Value::dict()).set("transcode", ng::Value::list());
      for (const auto& name : transcode) list.push(name);
    }
    auto parsed = ng::NgRequest::parse(dict);
    EXPECT_TRUE(parsed.ok());
    return *parsed;
  }

  std::string offer(const std::string& sdp, const std::vector<std::string>& transcode) {
    auto out = negotiator_.negotiate(caller_, callee_, request("offer", sdp, transcode), true);
    EXPECT_TRUE(out.ok()) << out.error();
    return out ? *out : std::string();
  }
  std::string answer(const std::string& sdp) {
    auto out = negotiator_.negotiate(callee_, caller_, request("answer", sdp, {}), false);
    EXPECT_TRUE(out.ok()) << out.error();
    return out ? *out : std::string();
  }

  EventLoop loop_;
  PacketRelay relay_{loop_};
  testing::FakeTimers timers_;
  testing::FakePortSource ports_;
  CallNegotiator negotiator_;
  Monologue caller_;
  Monologue callee_;
};

TEST_F(TranscodePlannerTest, OfferGainsTheCodecsItLacksWithStaticAndDynamicTypes) {
  const std::string toCallee = offer(kPcmaOnly, {"PCMU", "PCMA", "opus", "G722", "AMR"});
  EXPECT_EQ(formatsOf(toCallee), (std::vector<std::string>{"8", "101", "0", "96", "9"}));
  EXPECT_NE(toCallee.find("a=rtpmap:0 PCMU/8000\r\n"), std::string::npos) << toCallee;
  EXPECT_NE(toCallee.find("a=rtpmap:96 opus/48000/2\r\na=fmtp:96 useinbandfec=1\r\n"),
            std::string::npos)
      << toCallee;
  EXPECT_NE(toCallee.find("a=rtpmap:9 G722/8000\r\n"), std::string::npos) << toCallee;
  EXPECT_EQ(callee_.medias[0].addedFormats.size(), 3u);
}

TEST_F(TranscodePlannerTest, FlatFlagFormAddsToo) {
  ng::Value dict = ng::Value::dict();
  dict.set("command", "offer");
  dict.set("call-id", "tc");
  dict.set("from-tag", "caller");
  dict.set("sdp", kPcmaOnly);
  dict.set("flags", ng::Value::list()).push("codec-transcode-PCMU");
  auto parsed = ng::NgRequest::parse(dict);
  ASSERT_TRUE(parsed.ok());
  auto toCallee = negotiator_.negotiate(caller_, callee_, *parsed, true);
  ASSERT_TRUE(toCallee.ok());
  EXPECT_EQ(formatsOf(*toCallee), (std::vector<std::string>{"8", "101", "0"}));
}

TEST_F(TranscodePlannerTest, WithoutTranscodeTheOfferIsUnchanged) {
  EXPECT_EQ(formatsOf(offer(kPcmaOnly, {})), (std::vector<std::string>{"8", "101"}));
  EXPECT_TRUE(callee_.medias[0].addedFormats.empty());
}

TEST_F(TranscodePlannerTest, AnswerWithAnAddedCodecIsRewrittenAndTranscoded) {
  (void)offer(kPcmaOnly, {"PCMU"});
  const std::string toCaller =
      answer(sdpWith("m=audio 42000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 "
                     "telephone-event/8000\r\na=ptime:20\r\n"));
  EXPECT_EQ(formatsOf(toCaller), (std::vector<std::string>{"8", "101"}));
  EXPECT_NE(toCaller.find("a=rtpmap:8 PCMA/8000\r\n"), std::string::npos) << toCaller;
  EXPECT_NE(toCaller.find("a=fmtp:101 0-15\r\n"), std::string::npos) << toCaller;
  EXPECT_EQ(toCaller.find("PCMU"), std::string::npos) << toCaller;
  ASSERT_NE(caller_.medias[0].transcoder, nullptr);
  ASSERT_NE(callee_.medias[0].transcoder, nullptr);
  EXPECT_EQ(caller_.medias[0].rtp->transcoder, caller_.medias[0].transcoder.get());
  EXPECT_EQ(callee_.medias[0].rtp->transcoder, callee_.medias[0].transcoder.get());
  EXPECT_EQ(caller_.medias[0].transcoder->decoder().name(), "PCMA");
  EXPECT_EQ(caller_.medias[0].transcoder->encoder().name(), "PCMU");
  EXPECT_EQ(callee_.medias[0].transcoder->decoder().name(), "PCMU");
}

TEST_F(TranscodePlannerTest, OpusCallerAnsweredWithAddedG722) {
  (void)offer(sdpWith("m=audio 40000 RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\n"), {"G722"});
  const std::string toCaller =
      answer(sdpWith("m=audio 42000 RTP/AVP 9\r\na=rtpmap:9 G722/8000\r\n"));
  EXPECT_EQ(formatsOf(toCaller), (std::vector<std::string>{"111"}));
  EXPECT_NE(toCaller.find("a=rtpmap:111 opus/48000/2\r\n"), std::string::npos) << toCaller;
  ASSERT_NE(caller_.medias[0].transcoder, nullptr);
  EXPECT_EQ(caller_.medias[0].rtp->clockRate, 48000u);
}

TEST_F(TranscodePlannerTest, SharedCodecAnswerPassesThroughWithoutTranscoder) {
  (void)offer(kPcmaOnly, {"PCMU"});
  const std::string toCaller =
      answer(sdpWith("m=audio 42000 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n"));
  EXPECT_EQ(formatsOf(toCaller), (std::vector<std::string>{"8"}));
  EXPECT_EQ(caller_.medias[0].transcoder, nullptr);
  EXPECT_EQ(callee_.medias[0].transcoder, nullptr);
  EXPECT_EQ(caller_.medias[0].rtp->transcoder, nullptr);
  EXPECT_EQ(callee_.medias[0].rtp->transcoder, nullptr);
}

}  // namespace
}  // namespace rtcgate::media
