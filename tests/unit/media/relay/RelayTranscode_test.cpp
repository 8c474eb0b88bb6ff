// Transcoding through the relay engine on real loopback sockets, both packet paths: alice offers
// only PCMU with `codec: {transcode: [G722]}`, bob answers only G.722. Alice's 1 kHz tone must
// reach bob as G.722 that decodes to 1 kHz, bob's 440 Hz as PCMU; the engine counts the call and
// its packets as transcoded. (The PCMA <-> PCMU case runs against the binary in
// tests/integration/test_relay_transcode.py.)
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "media/codec/AudioCodecFactory.hpp"
#include "media/relay/RelayEngine.hpp"
#include "sdp/SessionDescription.hpp"
#include "unit/media/codec/ToneAnalysis.hpp"
#include "unit/media/packet/RtpTestPacket.hpp"
#include "unit/media/relay/LoopbackParty.hpp"
#include "unit/media/relay/PacketIoParam.hpp"

namespace rtcgate::media {
namespace {

constexpr std::size_t kPackets = 25;

class RelayTranscodeTest : public ::testing::TestWithParam<RelayOptions::PacketIo> {
 protected:
  RelayTranscodeTest() : packetIoProblem_(choosePacketIo(loop_, GetParam())) {
    std::random_device random;
    options_.portMin = static_cast<std::uint16_t>(20000 + (random() % 200) * 100);
    options_.portMax = static_cast<std::uint16_t>(options_.portMin + 99);
  }
  void SetUp() override {
    if (!packetIoProblem_.empty()) GTEST_SKIP() << packetIoProblem_;
    engine_ = std::make_unique<RelayEngine>(loop_, options_);
  }

  static std::string sdp(std::uint16_t port, const std::string& format, const std::string& map) {
    return "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio " +
           std::to_string(port) + " RTP/AVP " + format + "\r\na=rtpmap:" + format + " " + map +
           "\r\na=rtcp:" + std::to_string(port) + "\r\n";
  }
  static std::uint16_t portIn(const ng::Value& reply) {
    auto parsed = sdp::SessionDescription::parse(reply.stringAt("sdp"));
    return parsed ? parsed->media()[0].port() : 0;
  }
  ng::Value command(const std::string& name, const std::string& sdpText) {
    ng::Value request = ng::Value::dict();
    request.set("command", name);
    request.set("call-id", "transcode-call");
    request.set("from-tag", "alice");
    if (name == "answer") request.set("to-tag", "bob");
    request.set("sdp", sdpText);
    if (name == "offer") {
      request.set("codec", ng::Value::dict()).set("transcode", ng::Value::list()).push("G722");
    }
    request.set("flags", ng::Value::list()).push("trust-address");
    return engine_->handle(request);
  }
  std::vector<std::uint8_t> pump(const LoopbackParty& party) {
    for (int i = 0; i < 100; ++i) {
      loop_.runOnce(Duration(10));
      auto received = party.receive();
      if (!received.empty()) return received;
    }
    return {};
  }
  // `from` sends kPackets 20 ms packets of a tone in `codec`; returns what `to` decodes with
  // `decoder` from the packets of payload type `expectType` that reach it.
  std::vector<std::int16_t> sendTone(const LoopbackParty& from, std::uint16_t port,
                                     const LoopbackParty& to, AudioCodec& encoder,
                                     std::uint8_t sendType, double frequency, AudioCodec& decoder,
                                     std::uint8_t expectType) {
    tone::ToneGenerator generator(frequency, encoder.pcmRate(), 8000);
    std::vector<std::int16_t> heard;
    std::vector<std::uint8_t> payload(1500);
    std::vector<std::int16_t> pcm(5760);
    for (std::size_t i = 0; i < kPackets; ++i) {
      const auto frame = generator.next(encoder.pcmRate() / 50);
      payload.resize(1500);
      payload.resize(encoder.encode(frame, payload));
      from.send(port,
                test::rtpTestPacket(sendType, static_cast<std::uint16_t>(100 + i),
                                    static_cast<std::uint32_t>(8000 + 160 * i), 0x5EED, payload));
      const auto got = pump(to);
      if (got.size() <= 12) continue;
      EXPECT_EQ(got[1] & 0x7f, expectType);
      const std::span<const std::uint8_t> body(got.data() + 12, got.size() - 12);
      const std::size_t samples = decoder.decode(body, pcm);
      heard.insert(heard.end(), pcm.begin(), pcm.begin() + static_cast<std::ptrdiff_t>(samples));
    }
    return heard;
  }

  RelayOptions options_;
  EventLoop loop_;
  std::string packetIoProblem_;
  std::unique_ptr<RelayEngine> engine_;
};

RTCGATE_BOTH_PACKET_PATHS(RelayTranscodeTest);

TEST_P(RelayTranscodeTest, PcmuCallerAndG722CalleeHearEachOtherThroughTheTranscoders) {
  LoopbackParty alice, bob;
  const ng::Value offered = command("offer", sdp(alice.port(), "0", "PCMU/8000"));
  ASSERT_EQ(offered.stringAt("result"), "ok") << offered.stringAt("error-reason");
  EXPECT_NE(offered.stringAt("sdp").find("m=audio " + std::to_string(portIn(offered)) +
                                         " RTP/AVP 0 9\r\n"),
            std::string::npos)
      << offered.stringAt("sdp");
  const ng::Value answered = command("answer", sdp(bob.port(), "9", "G722/8000"));
  ASSERT_EQ(answered.stringAt("result"), "ok") << answered.stringAt("error-reason");
  EXPECT_NE(answered.stringAt("sdp").find(" RTP/AVP 0\r\n"), std::string::npos)
      << answered.stringAt("sdp");

  auto pcmu = makeAudioCodec("PCMU", 8000, 8000);
  auto g722 = makeAudioCodec("G722", 8000, 16000);
  ASSERT_TRUE(pcmu && g722);
  const auto bobHears = sendTone(alice, portIn(answered), bob, *pcmu, 0, 1000, *g722, 9);
  ASSERT_GE(bobHears.size(), 20 * 320u);
  const std::span<const std::int16_t> steadyBob(bobHears.data() + 640, bobHears.size() - 640);
  EXPECT_NEAR(tone::dominantFrequency(steadyBob, 16000), 1000, 20);

  auto g722Sender = makeAudioCodec("G722", 8000, 16000);
  auto pcmuReceiver = makeAudioCodec("PCMU", 8000, 8000);
  const auto aliceHears =
      sendTone(bob, portIn(offered), alice, *g722Sender, 9, 440, *pcmuReceiver, 0);
  ASSERT_GE(aliceHears.size(), 20 * 160u);
  const std::span<const std::int16_t> steadyAlice(aliceHears.data() + 320, aliceHears.size() - 320);
  EXPECT_NEAR(tone::dominantFrequency(steadyAlice, 8000), 440, 20);

  const ng::RelayTotals totals = engine_->totals();
  EXPECT_EQ(totals.transcodedSessions, 1u);
  EXPECT_EQ(totals.transcodedPackets, 2 * kPackets);
}

TEST_P(RelayTranscodeTest, ShorterAnswerPtimeSendsTwoPacketsPerPacketIn) {
  LoopbackParty alice, bob;
  ASSERT_EQ(command("offer", sdp(alice.port(), "0", "PCMU/8000")).stringAt("result"), "ok");
  const ng::Value answered = command("answer", sdp(bob.port(), "9", "G722/8000\r\na=ptime:10"));
  ASSERT_EQ(answered.stringAt("result"), "ok") << answered.stringAt("error-reason");
  auto pcmu = makeAudioCodec("PCMU", 8000, 8000);
  tone::ToneGenerator generator(1000, 8000, 8000);
  std::vector<std::uint8_t> payload(160);
  constexpr int kSent = 10;
  for (int i = 0; i < kSent; ++i) {
    ASSERT_EQ(pcmu->encode(generator.next(160), payload), 160u);
    alice.send(portIn(answered),
               test::rtpTestPacket(0, static_cast<std::uint16_t>(i),
                                   static_cast<std::uint32_t>(160 * i), 1, payload));
  }
  std::vector<std::uint16_t> sequences;
  for (auto got = pump(bob); !got.empty(); got = pump(bob)) {
    ASSERT_EQ(got.size(), 12u + 80u);  // 10 ms of G.722
    sequences.push_back(static_cast<std::uint16_t>((got[2] << 8) | got[3]));
  }
  // Two per packet in, less at most one the resampler may still hold.
  ASSERT_GE(sequences.size(), 2u * kSent - 1);
  ASSERT_LE(sequences.size(), 2u * kSent);
  for (std::size_t i = 1; i < sequences.size(); ++i) {
    EXPECT_EQ(static_cast<std::uint16_t>(sequences[i] - sequences[i - 1]), 1u) << i;
  }
}

TEST_P(RelayTranscodeTest, SharedCodecCallCountsNothingTranscoded) {
  LoopbackParty alice, bob;
  ASSERT_EQ(command("offer", sdp(alice.port(), "0", "PCMU/8000")).stringAt("result"), "ok");
  const ng::Value answered = command("answer", sdp(bob.port(), "0", "PCMU/8000"));
  ASSERT_EQ(answered.stringAt("result"), "ok");
  const auto packet = test::rtpTestPacket(0, 1, 160, 0x5EED, std::vector<std::uint8_t>(160, 0xd5));
  alice.send(portIn(answered), packet);
  EXPECT_EQ(pump(bob), packet);
  EXPECT_EQ(engine_->totals().transcodedSessions, 0u);
  EXPECT_EQ(engine_->totals().transcodedPackets, 0u);
}

}  // namespace
}  // namespace rtcgate::media
