#include "sdp/Bundle.hpp"

#include <gtest/gtest.h>

namespace rtcgate::sdp {
namespace {

SessionDescription parse(const char* text) {
  auto description = SessionDescription::parse(text);
  EXPECT_TRUE(description.ok());
  return description ? *description : SessionDescription();
}

constexpr const char* kBundled =
    "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\n"
    "a=group:LS a v\r\na=group:BUNDLE  a   v \r\na=group:BUNDLE x\r\n"
    "m=audio 5000 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 192.0.2.1\r\na=mid:a\r\na=ice-ufrag:abcd\r\n"
    "m=video 0 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 192.0.2.1\r\na=mid:v\r\na=bundle-only\r\n"
    "m=video 0 RTP/AVP 96\r\nc=IN IP4 192.0.2.1\r\n";

TEST(BundleTest, GroupIsTheFirstBundleLineWithItsSpacesSkipped) {
  const SessionDescription description = parse(kBundled);
  const std::vector<std::string_view> mids = bundleGroup(description);
  ASSERT_EQ(mids.size(), 2u);
  EXPECT_EQ(mids[0], "a");
  EXPECT_EQ(mids[1], "v");
}

TEST(BundleTest, MidBundleOnlyAndIcePerSection) {
  const SessionDescription description = parse(kBundled);
  EXPECT_EQ(midOf(description.media()[0]), "a");
  EXPECT_EQ(midOf(description.media()[2]), "");
  EXPECT_FALSE(bundleOnly(description.media()[0]));  // port 5000: an ordinary member
  EXPECT_TRUE(bundleOnly(description.media()[1]));
  EXPECT_FALSE(bundleOnly(description.media()[2]));  // port 0 alone: rejected
  EXPECT_TRUE(hasIce(description, 0));
  EXPECT_FALSE(hasIce(description, 1));
}

TEST(BundleTest, NoGroupAndSessionLevelIce) {
  const SessionDescription description = parse(
      "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\na=ice-ufrag:abcd\r\n"
      "m=audio 5000 RTP/AVP 0\r\nc=IN IP4 192.0.2.1\r\n");
  EXPECT_TRUE(bundleGroup(description).empty());
  EXPECT_TRUE(hasIce(description, 0));
}

}  // namespace
}  // namespace rtcgate::sdp
