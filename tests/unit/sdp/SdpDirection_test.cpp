#include "sdp/SdpDirection.hpp"

#include <gtest/gtest.h>

namespace rtcgate::sdp {
namespace {

TEST(SdpDirection, EveryMediaSectionGetsTheDirectionAndTheVersionRises) {
  const std::string sdp =
      "v=0\r\no=- 42 7 IN IP4 10.0.0.1\r\ns=-\r\na=sendrecv\r\nt=0 0\r\n"
      "m=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendonly\r\n"
      "m=video 4002 RTP/AVP 96\r\na=rtpmap:96 VP8/90000";
  const auto held = withDirection(sdp, "inactive", 1);
  ASSERT_TRUE(held) << held.error();
  EXPECT_EQ(*held,
            "v=0\r\no=- 42 8 IN IP4 10.0.0.1\r\ns=-\r\nt=0 0\r\n"
            "m=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=inactive\r\n"
            "m=video 4002 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\na=inactive\r\n");
  const auto resumed = withDirection(*held, "sendrecv", 1);
  ASSERT_TRUE(resumed);
  EXPECT_NE(resumed->find("o=- 42 9 IN IP4"), std::string::npos);
  EXPECT_EQ(resumed->find("inactive"), std::string::npos);
  EXPECT_FALSE(withDirection("not sdp", "inactive", 1));
}

}  // namespace
}  // namespace rtcgate::sdp
