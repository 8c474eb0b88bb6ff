// Transcoding one direction of a call: Opus in, PCMU out at 20 and 30 ms and back; the output's
// own numbering (SSRC, contiguous sequence numbers, timestamps stepping by the packet time), the
// tone preserved, losses concealed, reordering undone, silence gaps reproduced, and telephone
// events carried across with rescaled timestamps and durations while the audio pauses.
#include "media/codec/Transcoder.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "media/codec/G722Codec.hpp"
#include "media/codec/OpusCodec.hpp"
#include "media/codec/PcmuCodec.hpp"
#include "unit/media/codec/ToneAnalysis.hpp"

namespace rtcgate::media {
namespace {

using Bytes = std::vector<std::uint8_t>;
using Pcm = std::vector<std::int16_t>;

struct Packet {
  std::uint8_t payloadType = 0;
  bool marker = false;
  std::uint16_t sequence = 0;
  std::uint32_t timestamp = 0;
  Bytes payload;
};

constexpr std::uint8_t kOpus = 111;
constexpr std::uint8_t kPcmu = 0;
constexpr std::uint8_t kOpusEvent = 101;
constexpr std::uint8_t kPcmuEvent = 100;

// An RTP sender: a tone encoded by `codec`, 20 ms packets, numbered from 1 and timestamp 0.
class ToneSender {
 public:
  ToneSender(AudioCodec& codec, double frequency)
      : codec_(codec), generator_(frequency, codec.pcmRate(), 8000) {}
  Packet next(std::uint8_t payloadType) {
    const std::size_t samples = codec_.pcmRate() / 50;
    Packet packet{payloadType, sequence_ == 1, sequence_++, timestamp_, Bytes(1500)};
    packet.payload.resize(codec_.encode(generator_.next(samples), packet.payload));
    timestamp_ += codec_.ticksFor(samples);
    return packet;
  }
  Packet event(std::uint8_t payloadType, std::uint32_t start, std::uint16_t duration, bool end) {
    Bytes payload = {5, static_cast<std::uint8_t>((end ? 0x80 : 0) | 10),
                     static_cast<std::uint8_t>(duration >> 8), static_cast<std::uint8_t>(duration)};
    return {payloadType, false, sequence_++, start, payload};
  }
  std::uint32_t timestamp() const { return timestamp_; }
  void skip(std::uint32_t ticks) { timestamp_ += ticks; }

 private:
  AudioCodec& codec_;
  tone::ToneGenerator generator_;
  std::uint16_t sequence_ = 1;
  std::uint32_t timestamp_ = 0;
};

struct Sent {
  RtpFrame header;
  Bytes payload;
};

// Feeds packets to a transcoder, keeps what comes out.
class Harness {
 public:
  explicit Harness(const Transcoder::Options& options) : transcoder(options) {}
  void feed(const Packet& packet) {
    const RtpFrame in{packet.payloadType, packet.marker, packet.sequence,
                      packet.timestamp,   0xabcd,        packet.payload};
    const std::size_t n = transcoder.process(in, storage_, frames_);
    for (std::size_t i = 0; i < n; ++i) {
      sent.push_back({frames_[i], Bytes(frames_[i].payload.begin(), frames_[i].payload.end())});
    }
  }
  std::vector<Sent> audio(std::uint8_t payloadType) const {
    std::vector<Sent> result;
    for (const auto& s : sent) {
      if (s.header.payloadType == payloadType) result.push_back(s);
    }
    return result;
  }

  Transcoder transcoder;
  std::vector<Sent> sent;

 private:
  std::vector<std::uint8_t> storage_ = Bytes(16 * Transcoder::kMaxPayload);
  std::vector<RtpFrame> frames_ = std::vector<RtpFrame>(16);
};

Transcoder::Options opusToPcmu(unsigned ptime = 20) {
  return {.in = {"opus", 48000, "useinbandfec=1", kOpus, kOpusEvent},
          .out = {"PCMU", 8000, "", kPcmu, kPcmuEvent},
          .outPtimeMs = ptime,
          .outSsrc = 0x5eed,
          .firstSequence = 65530,
          .firstTimestamp = 4294967000u};
}

Transcoder::Options pcmuToOpus() {
  return {.in = {"PCMU", 8000, "", kPcmu, kPcmuEvent},
          .out = {"opus", 48000, "", kOpus, kOpusEvent},
          .outSsrc = 0x5eed,
          .firstSequence = 7,
          .firstTimestamp = 1000};
}

// The checks every output stream passes: our SSRC, sequence numbers contiguous from the first,
// timestamps stepping by `step` from the first.
void expectNumbering(const std::vector<Sent>& sent, const Transcoder::Options& options,
                     std::uint32_t step) {
  ASSERT_FALSE(sent.empty());
  for (std::size_t i = 0; i < sent.size(); ++i) {
    EXPECT_EQ(sent[i].header.ssrc, options.outSsrc);
    EXPECT_EQ(sent[i].header.sequence, static_cast<std::uint16_t>(options.firstSequence + i)) << i;
    EXPECT_EQ(sent[i].header.timestamp,
              static_cast<std::uint32_t>(options.firstTimestamp + i * step))
        << i;
    EXPECT_EQ(sent[i].header.marker, i == 0) << i;
  }
}

Pcm decodeAll(AudioCodec& codec, const std::vector<Sent>& sent) {
  Pcm pcm;
  Pcm frame(5760);
  for (const auto& s : sent) {
    const std::size_t n = codec.decode(s.payload, frame);
    EXPECT_GT(n, 0u);
    pcm.insert(pcm.end(), frame.begin(), frame.begin() + static_cast<long>(n));
  }
  return pcm;
}

void expectTone(const Pcm& pcm, std::uint32_t rate, double frequency, double minSnrDb) {
  const auto steady = std::span(pcm).subspan(rate / 10);
  EXPECT_NEAR(tone::dominantFrequency(steady, rate), frequency, frequency * 0.02);
  EXPECT_GT(tone::toneSnrDb(steady, rate, frequency), minSnrDb);
}

// One second of a 1 kHz tone from `codec` through a transcoder built from `options`.
std::vector<Sent> transcodeTone(AudioCodec& codec, const Transcoder::Options& options) {
  ToneSender sender(codec, 1000);
  Harness harness(options);
  for (int i = 0; i < 50; ++i) harness.feed(sender.next(options.in.payloadType));
  return harness.sent;
}

TEST(Transcoder, OpusToPcmuTwentyMilliseconds) {
  OpusCodec opus({.pcmRate = 48000});
  const auto options = opusToPcmu(20);
  const auto sent = transcodeTone(opus, options);
  ASSERT_EQ(sent.size(), 50u);
  expectNumbering(sent, options, 160);
  for (const auto& s : sent) {
    EXPECT_EQ(s.header.payloadType, kPcmu);
    EXPECT_EQ(s.payload.size(), 160u);
  }
  PcmuCodec pcmu;
  expectTone(decodeAll(pcmu, sent), 8000, 1000, 15);
}

TEST(Transcoder, OpusToPcmuThirtyMilliseconds) {
  OpusCodec opus({.pcmRate = 48000});
  const auto options = opusToPcmu(30);
  const auto sent = transcodeTone(opus, options);
  // One second in, 33 packets of 30 ms out (10 ms still waiting).
  ASSERT_EQ(sent.size(), 33u);
  expectNumbering(sent, options, 240);
  for (const auto& s : sent) EXPECT_EQ(s.payload.size(), 240u);
  PcmuCodec pcmu;
  expectTone(decodeAll(pcmu, sent), 8000, 1000, 15);
}

TEST(Transcoder, PcmuToOpus) {
  PcmuCodec pcmu;
  const auto options = pcmuToOpus();
  const auto sent = transcodeTone(pcmu, options);
  ASSERT_EQ(sent.size(), 50u);
  expectNumbering(sent, options, 960);
  OpusCodec receiver({.pcmRate = 48000});
  expectTone(decodeAll(receiver, sent), 48000, 1000, 15);
}

TEST(Transcoder, G722ToPcmuResamplesAndKeepsTheTimestampStep) {
  G722Codec g722;
  const Transcoder::Options options{.in = {"G722", 8000, "", 9, std::nullopt},
                                    .out = {"PCMU", 8000, "", kPcmu, std::nullopt},
                                    .outSsrc = 1,
                                    .firstSequence = 1,
                                    .firstTimestamp = 0};
  const auto sent = transcodeTone(g722, options);
  ASSERT_EQ(sent.size(), 50u);
  expectNumbering(sent, options, 160);
  PcmuCodec pcmu;
  expectTone(decodeAll(pcmu, sent), 8000, 1000, 20);
}

TEST(Transcoder, ALostPacketIsConcealedAndTheNumberingStaysContiguous) {
  OpusCodec opus({.pcmRate = 48000});
  ToneSender sender(opus, 1000);
  const auto options = opusToPcmu(20);
  Harness harness(options);
  for (int i = 0; i < 50; ++i) {
    const Packet packet = sender.next(kOpus);
    if (i != 20) harness.feed(packet);
  }
  // The gap comes out concealed once three later packets show it is not reordering.
  EXPECT_EQ(harness.transcoder.concealedFrames(), 1u);
  ASSERT_EQ(harness.sent.size(), 50u);
  expectNumbering(harness.sent, options, 160);
  PcmuCodec pcmu;
  Pcm pcm(160);
  pcmu.decode(harness.sent[20].payload, pcm);
  EXPECT_GT(tone::rms(pcm), 1000);
}

TEST(Transcoder, ReorderedPacketsComeOutInOrder) {
  PcmuCodec pcmu;
  ToneSender sender(pcmu, 1000);
  const auto options = pcmuToOpus();
  Harness harness(options);
  std::vector<Packet> packets;
  for (int i = 0; i < 20; ++i) packets.push_back(sender.next(kPcmu));
  std::swap(packets[5], packets[6]);
  std::swap(packets[10], packets[12]);
  for (const auto& packet : packets) harness.feed(packet);
  EXPECT_EQ(harness.transcoder.concealedFrames(), 0u);
  ASSERT_EQ(harness.sent.size(), 20u);
  expectNumbering(harness.sent, options, 960);
}

TEST(Transcoder, SilenceLeftOutMovesTheTimestampsOnAndMarksTheTalkSpurt) {
  PcmuCodec pcmu;
  ToneSender sender(pcmu, 1000);
  auto options = pcmuToOpus();
  Harness harness(options);
  for (int i = 0; i < 10; ++i) harness.feed(sender.next(kPcmu));
  sender.skip(8000);  // one second not sent (DTX), sequence numbers continue
  Packet spurt = sender.next(kPcmu);
  spurt.marker = true;
  harness.feed(spurt);
  ASSERT_EQ(harness.sent.size(), 11u);
  EXPECT_TRUE(harness.sent[10].header.marker);
  EXPECT_EQ(harness.sent[10].header.sequence, 17);
  EXPECT_EQ(harness.sent[10].header.timestamp, 1000u + 10 * 960 + 48000);
}

TEST(Transcoder, TelephoneEventsCrossWithRescaledTimestampAndDuration) {
  OpusCodec opus({.pcmRate = 48000});
  ToneSender sender(opus, 1000);
  const auto options = opusToPcmu(20);
  Harness harness(options);
  for (int i = 0; i < 10; ++i) harness.feed(sender.next(kOpus));
  const std::uint32_t start = sender.timestamp();
  // An event of 5 x 20 ms at 48 kHz with audio packets of the same moments interleaved, then
  // three end packets as RFC 4733 asks.
  for (std::uint16_t k = 1; k <= 5; ++k) {
    harness.feed(sender.event(kOpusEvent, start, static_cast<std::uint16_t>(960 * k), k == 5));
    if (k < 5) harness.feed(sender.next(kOpus));
  }
  sender.skip(960);
  harness.feed(sender.event(kOpusEvent, start, 4800, true));
  harness.feed(sender.event(kOpusEvent, start, 4800, true));
  for (int i = 0; i < 5; ++i) harness.feed(sender.next(kOpus));

  const auto& sent = harness.sent;
  ASSERT_EQ(sent.size(), 10u + 7u + 5u);
  const std::uint32_t eventTimestamp = options.firstTimestamp + 10 * 160;
  for (std::size_t i = 0; i < sent.size(); ++i) {
    EXPECT_EQ(sent[i].header.sequence, static_cast<std::uint16_t>(options.firstSequence + i));
  }
  for (std::size_t i = 10; i < 17; ++i) {
    const auto& event = sent[i];
    EXPECT_EQ(event.header.payloadType, kPcmuEvent);
    EXPECT_EQ(event.header.timestamp, eventTimestamp);
    EXPECT_EQ(event.header.marker, i == 10);
    ASSERT_EQ(event.payload.size(), 4u);
    EXPECT_EQ(event.payload[0], 5);
    const std::size_t k = std::min<std::size_t>(i - 9, 5);
    EXPECT_EQ(event.payload[2] << 8 | event.payload[3], 160 * k) << i;
    EXPECT_EQ((event.payload[1] & 0x80) != 0, k == 5) << i;
    EXPECT_EQ(event.payload[1] & 0x3f, 10);
  }
  // Audio resumes after the event as a new talk spurt, past the event's 800 ticks.
  EXPECT_EQ(sent[17].header.payloadType, kPcmu);
  EXPECT_TRUE(sent[17].header.marker);
  EXPECT_EQ(sent[17].header.timestamp, eventTimestamp + 800);
  for (std::size_t i = 18; i < sent.size(); ++i) {
    EXPECT_FALSE(sent[i].header.marker);
    EXPECT_EQ(sent[i].header.timestamp, eventTimestamp + 800 + (i - 17) * 160);
  }
}

TEST(Transcoder, ALostEventPacketIsNotConcealedAsAudio) {
  PcmuCodec pcmu;
  ToneSender sender(pcmu, 1000);
  const auto options = pcmuToOpus();
  Harness harness(options);
  for (int i = 0; i < 5; ++i) harness.feed(sender.next(kPcmu));
  const std::uint32_t start = sender.timestamp();
  harness.feed(sender.event(kPcmuEvent, start, 160, false));
  harness.feed(sender.event(kPcmuEvent, start, 320, true));
  sender.event(kPcmuEvent, start, 320, true);  // lost
  harness.feed(sender.event(kPcmuEvent, start, 320, true));
  sender.skip(320);
  for (int i = 0; i < 5; ++i) harness.feed(sender.next(kPcmu));
  EXPECT_EQ(harness.transcoder.concealedFrames(), 0u);
  EXPECT_EQ(harness.audio(kOpus).size(), 10u);
  EXPECT_EQ(harness.audio(kOpusEvent).size(), 3u);
}

TEST(Transcoder, EventsAreDroppedWhenTheOutSideHasNoTelephoneEvent) {
  PcmuCodec pcmu;
  ToneSender sender(pcmu, 1000);
  auto options = pcmuToOpus();
  options.out.eventPayloadType.reset();
  Harness harness(options);
  for (int i = 0; i < 3; ++i) harness.feed(sender.next(kPcmu));
  harness.feed(sender.event(kPcmuEvent, sender.timestamp(), 160, false));
  for (int i = 0; i < 3; ++i) harness.feed(sender.next(kPcmu));
  EXPECT_EQ(harness.sent.size(), 6u);
  EXPECT_EQ(harness.audio(kOpus).size(), 6u);
  EXPECT_EQ(harness.transcoder.concealedFrames(), 0u);
}

TEST(Transcoder, WhatDoesNotFitTheCallersBuffersIsCounted) {
  PcmuCodec pcmu;
  ToneSender sender(pcmu, 1000);
  auto options = pcmuToOpus();
  options.outPtimeMs = 10;
  Transcoder transcoder(options);
  const Packet packet = sender.next(kPcmu);
  Bytes storage(Transcoder::kMaxPayload * 4);
  std::vector<RtpFrame> frames(1);
  // 20 ms in, two 10 ms packets out, room for one.
  EXPECT_EQ(transcoder.process({kPcmu, true, packet.sequence, packet.timestamp, 1, packet.payload},
                               storage, frames),
            1u);
  EXPECT_EQ(transcoder.droppedOutputs(), 1u);
}

TEST(Transcoder, RefusesWhatItCannotDo) {
  auto unknown = pcmuToOpus();
  unknown.in.codec = "G729";
  EXPECT_THROW(Transcoder{unknown}, std::invalid_argument);
  auto opus30 = pcmuToOpus();
  opus30.outPtimeMs = 30;
  EXPECT_THROW(Transcoder{opus30}, std::invalid_argument);
  auto odd = opusToPcmu(25);
  EXPECT_THROW(Transcoder{odd}, std::invalid_argument);
}

}  // namespace
}  // namespace rtcgate::media
