#include "api/RecordingsApi.hpp"

#include <gtest/gtest.h>

namespace rtcgate::api {
namespace {

TEST(RecordingsApiTest, BodiesDefaultToStereoWavAndRefuseUnknownValues) {
  auto empty = RecordingsApi::parseBody("");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->format, "wav");
  EXPECT_EQ(empty->mix, "stereo");
  auto pcap = RecordingsApi::parseBody(R"({"format":"pcap","mix":"mono"})");
  ASSERT_TRUE(pcap);
  EXPECT_EQ(pcap->format, "pcap");
  EXPECT_EQ(pcap->mix, "mono");
  EXPECT_FALSE(RecordingsApi::parseBody(R"({"format":"mp3"})"));
  EXPECT_FALSE(RecordingsApi::parseBody(R"({"mix":"left"})"));
  EXPECT_FALSE(RecordingsApi::parseBody(R"({"format":1})"));
  EXPECT_FALSE(RecordingsApi::parseBody("[]"));
  EXPECT_FALSE(RecordingsApi::parseBody("{"));
}

}  // namespace
}  // namespace rtcgate::api
