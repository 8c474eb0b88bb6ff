#include "media/packet/DtmfPlayer.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "media/packet/TelephoneEvent.hpp"

namespace rtcgate::media {
namespace {

// One packet as it leaves: its header and, for an event, the payload.
struct Sent {
  bool event = false;
  bool marker = false;
  std::uint8_t payloadType = 0;
  std::uint16_t sequence = 0;
  std::uint32_t timestamp = 0;
  std::uint32_t ssrc = 0;
  TelephoneEvent payload;
};

class DtmfPlayerTest : public ::testing::Test {
 protected:
  // The party's next audio packet (PCMU, 20 ms, with a CSRC to be dropped) through the player.
  Sent send() {
    std::array<std::uint8_t, 2048> buffer{};
    buffer[0] = 0x81;  // one CSRC
    buffer[1] = 0;
    buffer[2] = static_cast<std::uint8_t>(sequence_ >> 8);
    buffer[3] = static_cast<std::uint8_t>(sequence_);
    for (int i = 0; i < 4; ++i) {
      buffer[4 + i] = static_cast<std::uint8_t>(timestamp_ >> (24 - 8 * i));
      buffer[8 + i] = static_cast<std::uint8_t>(0xA11CE >> (24 - 8 * i));
    }
    RtpHeader header;
    EXPECT_TRUE(parseRtpHeader(buffer.data(), 176, header));
    const std::size_t length = player_.onAudio(buffer.data(), buffer.size(), header);
    ++sequence_;
    timestamp_ += 160;
    Sent sent;
    EXPECT_TRUE(parseRtpHeader(buffer.data(), length == 0 ? 176 : length, header));
    sent.event = length != 0;
    sent.marker = (buffer[1] & 0x80) != 0;
    sent.payloadType = header.payloadType;
    sent.sequence = header.sequence;
    sent.timestamp = header.timestamp;
    sent.ssrc = header.ssrc;
    if (sent.event) {
      EXPECT_EQ(length, 16u);
      EXPECT_EQ(buffer[0], 0x80);  // CSRC dropped
      sent.payload = *TelephoneEvent::parse(buffer.data() + 12, 4);
    }
    return sent;
  }

  DtmfPlayer::Digit digit(char c, std::uint32_t duration = 800, std::uint32_t pause = 800) {
    return {*dtmfEventOf(c), 10, 101, duration, pause, 160};
  }

  DtmfPlayer player_;
  std::uint16_t sequence_ = 65530;  // wraps during the test
  std::uint32_t timestamp_ = 0xfffff000;
};

TEST_F(DtmfPlayerTest, AudioPassesWhenNothingIsQueued) {
  EXPECT_FALSE(player_.playing());
  EXPECT_FALSE(send().event);
}

TEST_F(DtmfPlayerTest, ReplacesAudioWithOneEventAndThreeEndPackets) {
  send();                                    // the party's step is known from here on
  ASSERT_TRUE(player_.enqueue(digit('5')));  // 100 ms: five packets of 20 ms
  const std::uint16_t firstSequence = sequence_;
  const std::uint32_t start = timestamp_;
  std::vector<Sent> sent;
  for (int i = 0; i < 8; ++i) sent.push_back(send());
  for (int i = 0; i < 7; ++i) {
    SCOPED_TRACE(i);
    EXPECT_TRUE(sent[i].event);
    EXPECT_EQ(sent[i].marker, i == 0);
    EXPECT_EQ(sent[i].payloadType, 101);
    EXPECT_EQ(sent[i].sequence, static_cast<std::uint16_t>(firstSequence + i));  // contiguous
    EXPECT_EQ(sent[i].timestamp, start);
    EXPECT_EQ(sent[i].ssrc, 0xA11CEu);
    EXPECT_EQ(sent[i].payload.event, 5);
    EXPECT_EQ(sent[i].payload.volume, 10);
    EXPECT_EQ(sent[i].payload.end, i >= 4);
    EXPECT_EQ(sent[i].payload.duration, std::min(160 * (i + 1), 800));
  }
  EXPECT_FALSE(sent[7].event);  // audio again
  EXPECT_EQ(sent[7].payloadType, 0);
}

TEST_F(DtmfPlayerTest, PausesBetweenDigitsAndPlaysThemInOrder) {
  send();
  ASSERT_TRUE(player_.enqueue(digit('1', 320, 480)));
  ASSERT_TRUE(player_.enqueue(digit('#', 320, 480)));
  std::vector<Sent> sent;
  for (int i = 0; i < 20; ++i) sent.push_back(send());
  std::string pattern;
  std::string digits;
  std::vector<std::uint32_t> starts;
  for (const Sent& each : sent) {
    pattern += each.event ? (each.payload.end ? 'E' : 'e') : '.';
    if (each.event && each.marker) {
      digits += dtmfDigitOf(each.payload.event);
      starts.push_back(each.timestamp);
    }
  }
  // An update, three ends, three audio packets of pause (480 = 3 x 160), the next digit; audio.
  EXPECT_EQ(pattern, "eEEE...eEEE.........");
  EXPECT_EQ(digits, "1#");
  ASSERT_EQ(starts.size(), 2u);
  EXPECT_EQ(starts[1] - starts[0], 7u * 160);
  EXPECT_FALSE(player_.playing());
}

TEST_F(DtmfPlayerTest, QueueHasAFixedSize) {
  for (std::size_t i = 0; i < DtmfPlayer::kMaxDigits; ++i) EXPECT_TRUE(player_.enqueue(digit('0')));
  EXPECT_FALSE(player_.enqueue(digit('0')));
  player_.clear();
  EXPECT_FALSE(player_.playing());
}

}  // namespace
}  // namespace rtcgate::media
