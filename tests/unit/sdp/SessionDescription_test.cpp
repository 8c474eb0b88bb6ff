#include "sdp/SessionDescription.hpp"

#include <gtest/gtest.h>

namespace rtcgate::sdp {
namespace {

TEST(SessionDescription, RoundTripsByteForByte) {
  for (const char* text : {"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\n"
                           "m=audio 4000 RTP/AVP 0\r\na=weird stuff  with  spaces\r\n",
                           "v=0\nm=audio 1 RTP/AVP 0\n", "v=0\r\nm=audio 1 RTP/AVP 0",
                           "v=0\r\nx=mixed\nm=a 1 P 0\r"}) {
    auto parsed = SessionDescription::parse(text);
    ASSERT_TRUE(parsed.ok()) << text;
    EXPECT_EQ(parsed->toString(), text);
  }
}

TEST(SessionDescription, ExposesMediaFacts) {
  auto parsed = SessionDescription::parse(
      "v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 49170 RTP/AVP 0 96\r\na=rtpmap:96 opus/48000/2\r\n"
      "a=rtcp:49171\r\nm=video 5000/2 RTP/AVP 31\r\nc=IN IP6 ::1\r\n");
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->media().size(), 2u);
  const MediaSection& audio = parsed->media()[0];
  EXPECT_EQ(audio.mediaType(), "audio");
  EXPECT_EQ(audio.port(), 49170);
  EXPECT_EQ(audio.protocol(), "RTP/AVP");
  EXPECT_EQ(audio.formats().size(), 2u);
  EXPECT_EQ(audio.encodingName("0"), "PCMU");
  EXPECT_EQ(audio.encodingName("96"), "opus");
  EXPECT_EQ(audio.clockRate("96"), 48000u);
  EXPECT_EQ(audio.clockRate("0"), 8000u);
  EXPECT_EQ(audio.findAttribute("rtcp")->attributeValue(), "49171");
  EXPECT_EQ(*parsed->connectionAddress(0), "10.0.0.1");
  EXPECT_EQ(*parsed->connectionAddress(1), "::1");
  EXPECT_EQ(parsed->media()[1].port(), 5000);
}

TEST(SessionDescription, RejectsBrokenFraming) {
  for (const char* text :
       {"", "o=x\r\n", "v=0\r\nbogus\r\n", "v=0\r\nm=audio\r\n",
        "v=0\r\nm=audio 70000 RTP/AVP 0\r\n", "v=0\r\n=x\r\n", "v=0\r\nm=audio x RTP/AVP 0\r\n"}) {
    EXPECT_FALSE(SessionDescription::parse(text).ok()) << text;
  }
}

}  // namespace
}  // namespace rtcgate::sdp

namespace rtcgate::sdp {
namespace {

TEST(SessionDescriptionCount, CountsMediaLinesOnly) {
  const std::string sdp =
      "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=m=audio\r\nt=0 0\r\n"
      "m=audio 4000 RTP/AVP 0\r\na=x:m=video\r\nm=video 4002 RTP/AVP 96\r\n";
  EXPECT_EQ(SessionDescription::countMediaSections(sdp), 2u);
  EXPECT_EQ(SessionDescription::countMediaSections("m=audio 1 RTP/AVP 0\nm=audio 2 RTP/AVP 0"), 2u);
  EXPECT_EQ(SessionDescription::countMediaSections("v=0\r\n"), 0u);
}

}  // namespace
}  // namespace rtcgate::sdp
