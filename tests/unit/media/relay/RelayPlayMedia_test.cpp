// `play media` through the relay engine on real loopback sockets: a WAV from relay.media_dir
// reaches the from-tag party's peer as that party's stream, one frame per 20 ms from the engine's
// timer, in place of the party's own packets, which pass again when the file is over or
// `stop media` ends it.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "media/packet/RtpPacket.hpp"
#include "media/recording/WavWriter.hpp"
#include "media/relay/RelayEngine.hpp"
#include "sdp/SessionDescription.hpp"
#include "unit/media/packet/RtpTestPacket.hpp"
#include "unit/media/relay/LoopbackParty.hpp"
#include "unit/media/relay/PacketIoParam.hpp"

namespace rtcgate::media {
namespace {

using Party = LoopbackParty;

namespace fs = std::filesystem;

constexpr std::uint32_t kAliceSsrc = 0x5EED;

std::vector<std::uint8_t> aliceAudio(std::uint16_t sequence, std::uint32_t timestamp) {
  const std::vector<std::uint8_t> payload(160, 0xd5);
  return test::rtpTestPacket(0, sequence, timestamp, kAliceSsrc, payload);
}

bool isAlicesAudio(const std::vector<std::uint8_t>& packet) {
  return packet.size() == 172 && packet[12] == 0xd5 && packet[171] == 0xd5;
}

class RelayPlayMediaTest : public ::testing::TestWithParam<RelayOptions::PacketIo> {
 protected:
  RelayPlayMediaTest() : packetIoProblem_(choosePacketIo(loop_, GetParam())) {
    std::random_device random;
    options_.portMin = static_cast<std::uint16_t>(20000 + (random() % 200) * 100);
    options_.portMax = static_cast<std::uint16_t>(options_.portMin + 99);
    mediaDir_ = fs::temp_directory_path() / ("rtcgate-play-" + std::to_string(random()));
    fs::create_directories(mediaDir_);
    options_.mediaDir = mediaDir_.string();
  }
  ~RelayPlayMediaTest() override { fs::remove_all(mediaDir_); }
  void SetUp() override {
    if (!packetIoProblem_.empty()) GTEST_SKIP() << packetIoProblem_;
    engine_ = std::make_unique<RelayEngine>(loop_, options_);
  }

  // A 1 kHz tone of `ms` at 8 kHz in the media directory.
  void writeTone(const std::string& name, int ms) {
    auto writer = WavWriter::create((mediaDir_ / name).string(), 8000, 1);
    ASSERT_TRUE(writer) << writer.error().reason;
    std::vector<std::int16_t> samples(static_cast<std::size_t>(8 * ms));
    for (std::size_t i = 0; i < samples.size(); ++i) {
      samples[i] = static_cast<std::int16_t>(
          10000 * std::sin(2 * std::numbers::pi * 1000 * static_cast<double>(i) / 8000));
    }
    ASSERT_TRUE((*writer)->write(samples));
    (*writer)->close();
  }
  static std::string pcmu(std::uint16_t port) {
    return "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio " +
           std::to_string(port) + " RTP/AVP 0\r\na=rtcp:" + std::to_string(port) + "\r\n";
  }
  static std::uint16_t portIn(const ng::Value& reply) {
    auto parsed = sdp::SessionDescription::parse(reply.stringAt("sdp"));
    return parsed ? parsed->media()[0].port() : 0;
  }
  ng::Value request(const std::string& command) const {
    ng::Value dict = ng::Value::dict();
    dict.set("command", command);
    dict.set("call-id", "play-call");
    dict.set("from-tag", "alice");
    return dict;
  }
  void connect(const Party& alice, const Party& bob) {
    ng::Value offer = request("offer");
    offer.set("sdp", pcmu(alice.port()));
    offer.set("flags", ng::Value::list()).push("trust-address");
    const ng::Value offered = engine_->handle(offer);
    ASSERT_EQ(offered.stringAt("result"), "ok") << offered.stringAt("error-reason");
    ng::Value answer = request("answer");
    answer.set("to-tag", "bob");
    answer.set("sdp", pcmu(bob.port()));
    answer.set("flags", ng::Value::list()).push("trust-address");
    const ng::Value answered = engine_->handle(answer);
    ASSERT_EQ(answered.stringAt("result"), "ok") << answered.stringAt("error-reason");
    aliceSends_ = portIn(answered);
  }
  ng::Value play(const std::string& file) {
    ng::Value dict = request("play media");
    dict.set("file", file);
    return engine_->handle(dict);
  }
  // Alice sends 20 ms audio for `ms` while the loop runs; what bob got meanwhile.
  std::vector<std::vector<std::uint8_t>> talk(const Party& alice, const Party& bob, int ms) {
    std::vector<std::vector<std::uint8_t>> got;
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    auto nextSend = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() < end) {
      if (std::chrono::steady_clock::now() >= nextSend) {
        alice.send(aliceSends_, aliceAudio(sequence_++, timestamp_));
        timestamp_ += 160;
        nextSend += std::chrono::milliseconds(20);
      }
      loop_.runOnce(Duration(2));
      for (auto packet = bob.receive(); !packet.empty(); packet = bob.receive()) {
        got.push_back(std::move(packet));
      }
    }
    return got;
  }

  RelayOptions options_;
  EventLoop loop_;
  std::string packetIoProblem_;
  fs::path mediaDir_;
  std::unique_ptr<RelayEngine> engine_;
  std::uint16_t aliceSends_ = 0;
  std::uint16_t sequence_ = 100;
  std::uint32_t timestamp_ = 8000;
};

RTCGATE_BOTH_PACKET_PATHS(RelayPlayMediaTest);

TEST_P(RelayPlayMediaTest, TheFileReplacesTheSendersAudioThenItsAudioPassesAgain) {
  writeTone("tone.wav", 200);
  Party alice, bob;
  connect(alice, bob);
  const auto before = talk(alice, bob, 60);
  ASSERT_FALSE(before.empty());
  EXPECT_TRUE(isAlicesAudio(before.back()));
  RtpHeader last;
  ASSERT_TRUE(parseRtpHeader(before.back().data(), before.back().size(), last));

  const ng::Value reply = play("tone.wav");
  ASSERT_EQ(reply.stringAt("result"), "ok") << reply.stringAt("error-reason");
  EXPECT_EQ(reply.find("duration")->integerValue(), 200);
  const auto during = talk(alice, bob, 300);
  std::vector<std::vector<std::uint8_t>> played;
  for (const auto& packet : during) {
    if (!isAlicesAudio(packet)) played.push_back(packet);
  }
  ASSERT_EQ(played.size(), 10u);  // 200 ms of 20 ms frames
  for (std::size_t i = 0; i < played.size(); ++i) {
    RtpHeader header;
    ASSERT_TRUE(parseRtpHeader(played[i].data(), played[i].size(), header));
    EXPECT_EQ(header.payloadType, 0);
    EXPECT_EQ(header.ssrc, kAliceSsrc);
    EXPECT_EQ(header.sequence, static_cast<std::uint16_t>(last.sequence + 1 + i));
    EXPECT_EQ(header.timestamp, last.timestamp + 160 * (1 + i));
    EXPECT_EQ((played[i][1] & 0x80) != 0, i == 0) << "marker on the first frame only";
    EXPECT_EQ(played[i].size(), 172u);
  }
  // The played frames came first, alice's own audio after them.
  EXPECT_FALSE(isAlicesAudio(during.front()));
  EXPECT_TRUE(isAlicesAudio(during.back()));
  const auto after = talk(alice, bob, 60);
  ASSERT_FALSE(after.empty());
  for (const auto& packet : after) EXPECT_TRUE(isAlicesAudio(packet));
}

TEST_P(RelayPlayMediaTest, StopMediaEndsItEarly) {
  writeTone("long.wav", 2000);
  Party alice, bob;
  connect(alice, bob);
  (void)talk(alice, bob, 40);
  ASSERT_EQ(play("long.wav").stringAt("result"), "ok");
  (void)talk(alice, bob, 100);
  const ng::Value stopped = engine_->handle(request("stop media"));
  ASSERT_EQ(stopped.stringAt("result"), "ok") << stopped.stringAt("error-reason");
  EXPECT_GT(stopped.find("last-frame-pos")->integerValue(), 0);
  const auto after = talk(alice, bob, 100);
  ASSERT_FALSE(after.empty());
  for (const auto& packet : after) EXPECT_TRUE(isAlicesAudio(packet));
  EXPECT_EQ(engine_->handle(request("stop media")).stringAt("result"), "error");
}

TEST_P(RelayPlayMediaTest, RefusesFilesOutsideTheDirectoryAndUnknownCalls) {
  writeTone("tone.wav", 100);
  std::ofstream(mediaDir_ / "junk.wav") << "RIFF....WAVEjunk";
  Party alice, bob;
  connect(alice, bob);
  for (const std::string file : {"../tone.wav", "/etc/passwd", "missing.wav", "junk.wav", ""}) {
    const ng::Value reply = play(file);
    EXPECT_EQ(reply.stringAt("result"), "error") << file;
    EXPECT_FALSE(reply.stringAt("error-reason").empty()) << file;
  }
  ng::Value unknown = request("play media");
  unknown.set("call-id", "nope");
  unknown.set("file", "tone.wav");
  EXPECT_EQ(engine_->handle(unknown).stringAt("error-reason"), "Unknown call-id");
}

TEST_P(RelayPlayMediaTest, DeleteEndsIt) {
  writeTone("long.wav", 2000);
  Party alice, bob;
  connect(alice, bob);
  ASSERT_EQ(play("long.wav").stringAt("result"), "ok");
  loop_.runOnce(Duration(30));
  ng::Value remove = ng::Value::dict();
  remove.set("command", "delete");
  remove.set("call-id", "play-call");
  ASSERT_EQ(engine_->handle(remove).stringAt("result"), "ok");
  for (int i = 0; i < 10; ++i) loop_.runOnce(Duration(10));  // no timer of a gone stream fires
  for (auto packet = bob.receive(); !packet.empty(); packet = bob.receive()) {
  }
  for (int i = 0; i < 5; ++i) loop_.runOnce(Duration(10));
  EXPECT_TRUE(bob.receive().empty());
}

}  // namespace
}  // namespace rtcgate::media
