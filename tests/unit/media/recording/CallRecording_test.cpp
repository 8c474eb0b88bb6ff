// The recorder fed synthetic RTP as the writer thread gets it: PCMU with one tone from the caller,
// Opus with another from the callee; the WAV has each tone on its own channel, in time, with
// silence for the packets that never came, and ends where the recording was stopped.
#include "media/recording/CallRecording.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "media/codec/AudioCodecFactory.hpp"
#include "unit/media/codec/ToneAnalysis.hpp"
#include "unit/media/packet/RtpTestPacket.hpp"
#include "unit/media/recording/WavFile.hpp"

namespace rtcgate::media {
namespace {

constexpr std::int64_t kStart = 5'000'000;  // the worker loop's clock at `start recording`
constexpr std::uint8_t kPcmu = 0;
constexpr std::uint8_t kOpus = 111;
constexpr std::uint8_t kEvent = 101;

std::vector<std::uint8_t> rtp(std::uint8_t payloadType, std::uint16_t sequence,
                              std::uint32_t timestamp, std::span<const std::uint8_t> payload) {
  return test::rtpTestPacket(payloadType, sequence, timestamp, 0x1234u + payloadType, payload);
}

// 20 ms packets of a tone in one codec, one direction of the call.
class ToneSender {
 public:
  ToneSender(std::string_view codec, std::uint32_t clockRate, std::uint8_t payloadType,
             double frequency)
      : codec_(makeAudioCodec(codec, clockRate, clockRate)),
        payloadType_(payloadType),
        tone_(frequency, codec_->pcmRate(), 8000) {}

  std::vector<std::uint8_t> next() {
    std::vector<std::int16_t> pcm(codec_->pcmRate() / 50);
    tone_.fill(pcm);
    std::vector<std::uint8_t> payload(1500);
    payload.resize(codec_->encode(pcm, payload));
    auto packet = rtp(payloadType_, sequence_++, timestamp_, payload);
    timestamp_ += codec_->ticksFor(pcm.size());
    return packet;
  }

 private:
  std::unique_ptr<AudioCodec> codec_;
  std::uint8_t payloadType_;
  tone::ToneGenerator tone_;
  std::uint16_t sequence_ = 1000;
  std::uint32_t timestamp_ = 123456;
};

class CallRecordingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("call-recording-" + std::to_string(getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".wav"))
                .string();
    std::filesystem::remove(path_);
    std::filesystem::remove(path_ + ".json");
  }
  void TearDown() override {
    std::filesystem::remove(path_);
    std::filesystem::remove(path_ + ".json");
  }
  std::unique_ptr<CallRecording> open(bool mono, std::string toTag = "bob") {
    CallRecording::Spec spec;
    spec.path = path_;
    spec.mono = mono;
    spec.callId = "call \"1\"";
    spec.fromTag = "alice";
    spec.toTag = toTag;
    spec.formats[0] = {{kPcmu, "PCMU", 8000}};
    spec.formats[1] = {{kOpus, "opus", 48000}, {kEvent, "telephone-event", 8000}};
    spec.startMicros = kStart;
    spec.startWall = WallClock::time_point(std::chrono::seconds(1'800'000'000));
    auto recording = CallRecording::open(spec);
    EXPECT_TRUE(recording);
    return recording ? std::move(*recording) : nullptr;
  }
  // `seconds` of 20 ms packets both ways, the caller's from 0.1 s on, as the writer thread would
  // see them, with packets [lostFrom, lostTo) of the caller lost.
  void feed(CallRecording& recording, double seconds, int lostFrom = -1, int lostTo = -1) {
    ToneSender caller("PCMU", 8000, kPcmu, 440);
    ToneSender callee("opus", 48000, kOpus, 1000);
    const int packets = static_cast<int>(seconds * 50);
    for (int i = 0; i < packets; ++i) {
      const std::int64_t at = kStart + 20000 * i;
      const auto callerPacket = caller.next();
      if (i >= 5 && (i < lostFrom || i >= lostTo)) recording.onPacket(0, callerPacket, at + 100000);
      recording.onPacket(1, callee.next(), at);
      if (i == 30) {  // a DTMF event on the callee's side is no audio: skipped
        const std::uint8_t event[4] = {5, 0x0a, 0, 160};
        recording.onPacket(1, rtp(kEvent, 1, 0, event), at);
      }
      recording.advance(at);
    }
  }
  std::string path_;
};

std::span<const std::int16_t> window(const std::vector<std::int16_t>& samples, double from,
                                     double to, std::uint32_t rate) {
  return std::span(samples).subspan(static_cast<std::size_t>(from * rate),
                                    static_cast<std::size_t>((to - from) * rate));
}

TEST_F(CallRecordingTest, EachPartyIsOnItsOwnChannelInTime) {
  auto recording = open(false);
  ASSERT_TRUE(recording);
  feed(*recording, 2.0, 60, 70);  // the caller's packets of 1.3 s - 1.5 s are lost
  recording->close(kStart + 2'000'000, 3);
  const auto wav = test::WavFile::read(path_);
  ASSERT_TRUE(wav.valid);
  EXPECT_EQ(wav.channels, 2);
  EXPECT_EQ(wav.rate, 16000u);
  EXPECT_NEAR(wav.seconds(), 2.0, 0.001);
  const auto& caller = wav.samples[0];
  const auto& callee = wav.samples[1];
  EXPECT_NEAR(tone::dominantFrequency(window(caller, 0.3, 1.2, 16000), 16000), 440, 5);
  EXPECT_NEAR(tone::dominantFrequency(window(callee, 0.3, 1.2, 16000), 16000), 1000, 5);
  // No crosstalk: each channel has one party.
  EXPECT_LT(tone::goertzelPower(window(caller, 0.3, 1.2, 16000), 16000, 1000),
            tone::goertzelPower(window(caller, 0.3, 1.2, 16000), 16000, 440) / 1000);
  // The caller's audio starts 0.2 s late (packets 0-4 never sent, 100 ms of arrival delay).
  EXPECT_LT(tone::rms(window(caller, 0.0, 0.18, 16000)), 1);
  EXPECT_GT(tone::rms(window(caller, 0.22, 0.4, 16000)), 1000);
  // Lost packets are silence, and the audio after them is where its timestamps say.
  EXPECT_LT(tone::rms(window(caller, 1.32, 1.48, 16000)), 1);
  EXPECT_GT(tone::rms(window(caller, 1.52, 1.9, 16000)), 1000);
}

TEST_F(CallRecordingTest, StoppingMidStreamEndsTheFileAtTheStop) {
  auto recording = open(false);
  ASSERT_TRUE(recording);
  feed(*recording, 1.0);
  recording->close(kStart + 1'000'000, 0);  // while both parties are still sending
  EXPECT_TRUE(recording->closed());
  const auto wav = test::WavFile::read(path_);
  ASSERT_TRUE(wav.valid);
  EXPECT_NEAR(wav.seconds(), 1.0, 0.001);
  EXPECT_EQ(wav.dataSize, 16000u * 2 * 2);
  // What arrives after the stop is not written.
  feed(*recording, 1.0);
  recording->advance(kStart + 3'000'000);
  EXPECT_EQ(test::WavFile::read(path_).dataSize, 16000u * 2 * 2);
}

TEST_F(CallRecordingTest, MonoMixesBothParties) {
  auto recording = open(true);
  ASSERT_TRUE(recording);
  feed(*recording, 1.0);
  recording->close(kStart + 1'000'000, 0);
  const auto wav = test::WavFile::read(path_);
  ASSERT_TRUE(wav.valid);
  ASSERT_EQ(wav.channels, 1);
  const auto both = window(wav.samples[0], 0.3, 0.9, 16000);
  EXPECT_GT(tone::goertzelPower(both, 16000, 440), 1e5);
  EXPECT_GT(tone::goertzelPower(both, 16000, 1000), 1e5);
}

TEST_F(CallRecordingTest, TheSidecarDescribesTheRecording) {
  auto recording = open(false);
  ASSERT_TRUE(recording);
  feed(*recording, 0.5);
  recording->close(kStart + 500'000, 7);
  std::ifstream in(path_ + ".json");
  std::stringstream text;
  text << in.rdbuf();
  const std::string json = text.str();
  EXPECT_NE(json.find(R"("call-id":"call \"1\"")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("from-tag":"alice")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("to-tag":"bob")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("start":"2027-01-15T08:00:00.000Z")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("stop":"2027-01-15T08:00:00.500Z")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("codecs":["PCMU/8000"])"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("codecs":["opus/48000"])"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("dropped":7)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("format":"wav")"), std::string::npos) << json;
}

TEST_F(CallRecordingTest, AToTagTheAnswerNamedLaterReachesTheSidecar) {
  auto recording = open(false, "");  // started by `record call` in the offer
  ASSERT_TRUE(recording);
  recording->close(kStart + 100'000, 0, "bob-later");
  std::ifstream in(path_ + ".json");
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find(R"("to-tag":"bob-later")"), std::string::npos) << text.str();
}

}  // namespace
}  // namespace rtcgate::media
