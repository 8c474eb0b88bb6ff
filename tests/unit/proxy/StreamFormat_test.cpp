#include "proxy/StreamFormat.hpp"

#include <gtest/gtest.h>

namespace rtcgate::proxy {
namespace {

DialogSide sideWith(const std::string& audio, const std::string& extra = "") {
  DialogSide side;
  side.formats = sdp::AudioFormats::parse(
      "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 "
      "RTP/AVP " +
      audio + "\r\na=rtpmap:111 opus/48000/2\r\na=rtpmap:101 telephone-event/8000\r\n" + extra);
  return side;
}

TEST(StreamFormat, NegotiatedFromTheSdpsWithoutTheRelay) {
  const DialogSide browser = sideWith("111 0 8 101");
  const DialogSide phone = sideWith("8 0 101", "a=ptime:30\r\n");
  const auto toPhone = streamFormat(browser, phone, nullptr);
  EXPECT_EQ(toPhone.codec, "PCMA");
  EXPECT_EQ(toPhone.clockRate, 8000u);
  EXPECT_EQ(toPhone.ptimeMs, 30) << "as the receiver asks";
  EXPECT_EQ(toPhone.label(), "PCMA/8000");
  const auto toBrowser = streamFormat(phone, browser, nullptr);
  EXPECT_EQ(toBrowser.codec, "PCMU");
  EXPECT_EQ(toBrowser.ptimeMs, 30) << "the receiver asks nothing: as the sender offered";
  EXPECT_FALSE(streamFormat(browser, DialogSide{}, nullptr).known());
}

// Through the relay, what the packets show wins: a sender may switch to another codec of the
// answer, or packetise differently from what was asked; telephone-event packets do not count.
TEST(StreamFormat, WhatTheRelaySawTheSenderUse) {
  const DialogSide browser = sideWith("111 0 8 101");
  const DialogSide phone = sideWith("8 0 101");
  ng::PartyMediaStats seen;
  seen.payloadType = 0;
  seen.ptimeMs = 40;
  const auto format = streamFormat(browser, phone, &seen);
  EXPECT_EQ(format.codec, "PCMU");
  EXPECT_EQ(format.payloadType, 0);
  EXPECT_EQ(format.ptimeMs, 40);
  seen.payloadType = 101;
  seen.ptimeMs = 0;
  EXPECT_EQ(streamFormat(browser, phone, &seen).codec, "PCMA");
  EXPECT_EQ(streamFormat(browser, phone, &seen).ptimeMs, 20);
}

}  // namespace
}  // namespace rtcgate::proxy
