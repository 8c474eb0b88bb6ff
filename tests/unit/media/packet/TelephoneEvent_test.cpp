#include "media/packet/TelephoneEvent.hpp"

#include <gtest/gtest.h>

#include <array>

namespace rtcgate::media {
namespace {

TEST(TelephoneEvent, ParsesRfc4733Payload) {
  // Event 5, end bit, reserved bit set (ignored), volume 10, duration 800.
  const std::array<std::uint8_t, 4> payload{0x05, 0x80 | 0x40 | 10, 0x03, 0x20};
  const auto event = TelephoneEvent::parse(payload.data(), payload.size());
  ASSERT_TRUE(event);
  EXPECT_EQ(event->event, 5);
  EXPECT_TRUE(event->end);
  EXPECT_EQ(event->volume, 10);
  EXPECT_EQ(event->duration, 800);
  EXPECT_TRUE(event->isDtmf());
}

TEST(TelephoneEvent, RefusesShortPayloadAndKeepsFirstOfRedundantBlocks) {
  const std::array<std::uint8_t, 8> payload{11, 0x0a, 0x01, 0x40, 3, 0x8a, 0x00, 0xa0};
  EXPECT_FALSE(TelephoneEvent::parse(payload.data(), 3));
  const auto event = TelephoneEvent::parse(payload.data(), payload.size());
  ASSERT_TRUE(event);
  EXPECT_EQ(event->event, 11);
  EXPECT_FALSE(event->end);
  EXPECT_EQ(event->duration, 320);
}

TEST(TelephoneEvent, WritesWhatItParses) {
  for (const TelephoneEvent event :
       {TelephoneEvent{0, false, 0, 0}, TelephoneEvent{15, true, 63, 65535},
        TelephoneEvent{10, false, 7, 1280}}) {
    std::array<std::uint8_t, TelephoneEvent::kSize> payload{};
    event.write(payload.data());
    EXPECT_EQ(TelephoneEvent::parse(payload.data(), payload.size()), event);
  }
  std::array<std::uint8_t, TelephoneEvent::kSize> payload{};
  TelephoneEvent{1, true, 200, 160}.write(payload.data());
  EXPECT_EQ(payload, (std::array<std::uint8_t, 4>{1, 0x80 | 63, 0, 160}));  // volume capped
}

TEST(TelephoneEvent, MapsDigitsToEventsBothWays) {
  const std::string digits = "0123456789*#ABCD";
  for (std::uint8_t event = 0; event < 16; ++event) {
    EXPECT_EQ(dtmfEventOf(digits[event]), event);
    EXPECT_EQ(dtmfDigitOf(event), digits[event]);
  }
  EXPECT_EQ(dtmfEventOf('c'), 14);
  EXPECT_FALSE(dtmfEventOf('E'));
  EXPECT_FALSE(dtmfEventOf(' '));
  EXPECT_EQ(dtmfDigitOf(16), '\0');  // flash hook and tones are not digits
  EXPECT_FALSE((TelephoneEvent{16, false, 0, 0}.isDtmf()));
}

}  // namespace
}  // namespace rtcgate::media
