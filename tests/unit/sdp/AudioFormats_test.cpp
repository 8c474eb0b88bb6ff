#include "sdp/AudioFormats.hpp"

#include <gtest/gtest.h>

namespace rtcgate::sdp {
namespace {

constexpr const char* kBrowser =
    "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
    "m=video 0 UDP/TLS/RTP/SAVPF 96\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\nc=IN IP4 0.0.0.0\r\n"
    "a=rtpmap:111 opus/48000/2\r\na=rtpmap:63 red/48000/2\r\na=rtpmap:9 G722/8000\r\n"
    "a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:13 CN/8000\r\n"
    "a=rtpmap:110 telephone-event/48000\r\na=rtpmap:126 telephone-event/8000\r\n";

constexpr const char* kPhone =
    "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio 6000 RTP/AVP 8 0 101\r\na=rtpmap:101 telephone-event/8000\r\na=ptime:30\r\n";

TEST(AudioFormats, ReadsTheFirstAudioLineInUseInOrder) {
  const auto formats = AudioFormats::parse(kBrowser);
  ASSERT_EQ(formats.formats().size(), 8u);
  EXPECT_EQ(formats.formats()[0].encoding, "opus");
  EXPECT_EQ(formats.formats()[0].clockRate, 48000u);
  EXPECT_EQ(formats.find(9)->encoding, "G722");
  EXPECT_EQ(formats.find(0)->encoding, "PCMU") << "static payload type";
  EXPECT_FALSE(formats.find(126)->isAudioCodec());
  EXPECT_FALSE(formats.find(63)->isAudioCodec());
  EXPECT_EQ(formats.ptimeMs(), 0);
  EXPECT_EQ(AudioFormats::parse(kPhone).ptimeMs(), 30);
}

TEST(AudioFormats, TheReceiversFirstCodecTheSenderAlsoHas) {
  const auto browser = AudioFormats::parse(kBrowser);
  const auto phone = AudioFormats::parse(kPhone);
  EXPECT_EQ(phone.chosenBy(browser)->encoding, "PCMA");  // the phone receives PCMA first
  EXPECT_EQ(browser.chosenBy(phone)->encoding, "PCMU");  // the browser lists PCMU before PCMA
  EXPECT_EQ(browser.chosenBy(AudioFormats{})->encoding, "opus") << "sender unknown: our first";
  const auto video = AudioFormats::parse("v=0\r\ns=-\r\nm=video 5000 RTP/AVP 96\r\n");
  EXPECT_TRUE(video.empty());
  EXPECT_EQ(video.chosenBy(browser), nullptr);
  EXPECT_TRUE(AudioFormats::parse("not sdp").empty());
}

}  // namespace
}  // namespace rtcgate::sdp
