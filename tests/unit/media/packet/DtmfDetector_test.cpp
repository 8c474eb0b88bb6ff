#include "media/packet/DtmfDetector.hpp"

#include <gtest/gtest.h>

#include <string>

namespace rtcgate::media {
namespace {

class DtmfDetectorTest : public ::testing::Test {
 protected:
  // Feeds one packet and appends the digits it ends to `digits_`.
  void feed(std::uint32_t timestamp, std::uint8_t event, bool end, std::uint16_t duration,
            std::uint32_t clockRate = 8000) {
    now_ += Duration(20);
    const auto detected =
        detector_.onEvent(timestamp, TelephoneEvent{event, end, 10, duration}, clockRate, now_);
    for (std::uint8_t i = 0; i < detected.count; ++i) record(detected.digits[i]);
  }
  void record(const DtmfDetector::Digit& digit) {
    digits_ += digit.digit;
    durations_.push_back(digit.durationMs);
  }
  // One event as a phone sends it: updates every 20 ms, then the end packet three times.
  void press(std::uint32_t timestamp, std::uint8_t event, int updates,
             std::uint32_t clockRate = 8000) {
    const std::uint16_t step = static_cast<std::uint16_t>(clockRate / 50);
    for (int i = 1; i <= updates; ++i) {
      feed(timestamp, event, false, static_cast<std::uint16_t>(step * i), clockRate);
    }
    for (int i = 0; i < 3; ++i) {
      feed(timestamp, event, true, static_cast<std::uint16_t>(step * (updates + 1)), clockRate);
    }
  }

  DtmfDetector detector_;
  Clock::time_point now_{};
  std::string digits_;
  std::vector<std::uint32_t> durations_;
};

TEST_F(DtmfDetectorTest, ReportsEachDigitOnceAtItsFirstEndPacket) {
  press(1000, 1, 4);
  EXPECT_EQ(digits_, "1");
  press(3000, 11, 7);
  press(6000, 10, 2);
  EXPECT_EQ(digits_, "1#*");
  EXPECT_EQ(durations_, (std::vector<std::uint32_t>{100, 160, 60}));
  EXPECT_FALSE(detector_.active());
}

TEST_F(DtmfDetectorTest, DurationFollowsTheClockRate) {
  press(48000, 5, 4, 48000);  // 5 x 960 at 48 kHz: 100 ms
  EXPECT_EQ(digits_, "5");
  EXPECT_EQ(durations_, (std::vector<std::uint32_t>{100}));
}

TEST_F(DtmfDetectorTest, EventWhoseEndWasLostEndsWithTheNextEvent) {
  feed(1000, 2, false, 160);
  feed(1000, 2, false, 320);
  EXPECT_EQ(digits_, "");
  feed(2000, 3, false, 160);  // a new timestamp: a new event
  EXPECT_EQ(digits_, "2");
  EXPECT_EQ(durations_.back(), 40u);
  feed(2000, 3, true, 480);
  EXPECT_EQ(digits_, "23");
}

TEST_F(DtmfDetectorTest, SingleEndPacketAfterALostEndGivesBothDigits) {
  feed(1000, 7, false, 160);
  feed(2000, 8, true, 800);
  EXPECT_EQ(digits_, "78");
}

TEST_F(DtmfDetectorTest, EventWhoseEndWasLostEndsWithAudio) {
  feed(1000, 9, false, 160);
  EXPECT_TRUE(detector_.active());
  const auto digit = detector_.onAudio();
  ASSERT_TRUE(digit);
  EXPECT_EQ(digit->digit, '9');
  EXPECT_FALSE(detector_.onAudio());
  // A late packet of the same event is not a new digit.
  feed(1000, 9, true, 480);
  EXPECT_FALSE(detector_.active());
}

TEST_F(DtmfDetectorTest, EventWhoseEndWasLostEndsAfterTheTimeout) {
  feed(1000, 4, false, 160);
  EXPECT_FALSE(detector_.expire(now_ + DtmfDetector::kEndTimeout - Duration(1)));
  const auto digit = detector_.expire(now_ + DtmfDetector::kEndTimeout);
  ASSERT_TRUE(digit);
  EXPECT_EQ(digit->digit, '4');
  EXPECT_EQ(digit->volume, 10);
  EXPECT_FALSE(detector_.expire(now_ + DtmfDetector::kEndTimeout * 2));
}

TEST_F(DtmfDetectorTest, IgnoresEventsThatAreNotDigits) {
  feed(1000, 16, true, 800);  // flash hook
  EXPECT_EQ(digits_, "");
  EXPECT_FALSE(detector_.active());
}

TEST_F(DtmfDetectorTest, KeepsTheLongestDurationSeen) {
  feed(1000, 0, false, 320);
  feed(1000, 0, false, 160);  // reordered
  feed(1000, 0, true, 240);
  EXPECT_EQ(durations_, (std::vector<std::uint32_t>{40}));
}

}  // namespace
}  // namespace rtcgate::media
