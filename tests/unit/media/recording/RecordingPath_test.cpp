#include "media/recording/RecordingPath.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace rtcgate::media {
namespace {

namespace fs = std::filesystem;

class RecordingPathTest : public ::testing::Test {
 protected:
  RecordingPathTest()
      : base_(
            (fs::temp_directory_path() / ("recording-path-" + std::to_string(getpid()))).string()) {
  }
  ~RecordingPathTest() override { fs::remove_all(base_); }
  Result<std::string, RecordingError> path(std::string_view dir, std::string_view file,
                                           std::string_view callId = "abc@host") {
    return recordingPath({base_, dir, file, callId, ".wav",
                          WallClock::time_point(std::chrono::seconds(1'800'000'000))});
  }
  std::string base_;
};

TEST_F(RecordingPathTest, DefaultsToTheCallIdAndTimeInTheRelaysDirectory) {
  const auto made = path("", "");
  ASSERT_TRUE(made) << made.error().reason;
  EXPECT_EQ(*made, base_ + "/abc@host-20270115T080000Z.wav");
  EXPECT_TRUE(fs::is_directory(base_));  // created
}

TEST_F(RecordingPathTest, ACallIdNeverLeavesTheDirectory) {
  const auto made = path("", "", "../../etc/passwd");
  ASSERT_TRUE(made);
  EXPECT_EQ(fs::path(*made).parent_path().string(), base_);
  EXPECT_EQ(fs::path(*made).filename().string(), "_.._.._etc_passwd-20270115T080000Z.wav");
}

TEST_F(RecordingPathTest, TakesABaseNameAndAFolderInside) {
  const auto named = path("", "call1.wav");
  ASSERT_TRUE(named);
  EXPECT_EQ(*named, base_ + "/call1.wav");
  const auto nested = path("2026/12", "call1.wav");
  ASSERT_TRUE(nested);
  EXPECT_EQ(*nested, base_ + "/2026/12/call1.wav");
  EXPECT_TRUE(fs::is_directory(base_ + "/2026/12"));
  const auto absoluteInside = path(base_ + "/x", "a.wav");
  ASSERT_TRUE(absoluteInside);
  EXPECT_EQ(*absoluteInside, base_ + "/x/a.wav");
}

TEST_F(RecordingPathTest, RefusesNamesThatWouldWriteElsewhere) {
  EXPECT_FALSE(path("", "../x.wav"));
  EXPECT_FALSE(path("", "/etc/x.wav"));
  EXPECT_FALSE(path("", "a/b.wav"));
  EXPECT_FALSE(path("", ".."));
  EXPECT_FALSE(path("..", "x.wav"));
  EXPECT_FALSE(path("a/../../b", "x.wav"));
  EXPECT_FALSE(path("/tmp", "x.wav"));
  EXPECT_FALSE(path(base_ + "-other", "x.wav"));
}

}  // namespace
}  // namespace rtcgate::media
