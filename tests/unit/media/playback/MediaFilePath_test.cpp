#include "media/playback/MediaFilePath.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace rtcgate::media {
namespace {

namespace fs = std::filesystem;

class MediaFilePathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("rtcgate-media-" + std::to_string(::getpid()));
    fs::create_directories(root_ / "media" / "sub");
    std::ofstream(root_ / "media" / "hello.wav") << "x";
    std::ofstream(root_ / "media" / "sub" / "b.wav") << "x";
    std::ofstream(root_ / "secret.wav") << "x";
    fs::create_symlink(root_ / "secret.wav", root_ / "media" / "link.wav");
  }
  void TearDown() override { fs::remove_all(root_); }
  std::string media() const { return (root_ / "media").string(); }
  fs::path root_;
};

TEST_F(MediaFilePathTest, NamesInsideTheDirectory) {
  const auto hello = mediaFilePath(media(), "hello.wav");
  ASSERT_TRUE(hello) << hello.error();
  EXPECT_EQ(*hello, fs::canonical(root_ / "media" / "hello.wav").string());
  EXPECT_TRUE(mediaFilePath(media(), "sub/b.wav"));
  EXPECT_TRUE(mediaFilePath(media(), (root_ / "media" / "hello.wav").string()));
}

TEST_F(MediaFilePathTest, RefusesEverythingElse) {
  EXPECT_FALSE(mediaFilePath(media(), ""));
  EXPECT_FALSE(mediaFilePath(media(), "../secret.wav"));
  EXPECT_FALSE(mediaFilePath(media(), "sub/../../secret.wav"));
  EXPECT_FALSE(mediaFilePath(media(), (root_ / "secret.wav").string()));
  EXPECT_FALSE(mediaFilePath(media(), "/etc/passwd"));
  EXPECT_FALSE(mediaFilePath(media(), "link.wav"));  // points outside
  EXPECT_FALSE(mediaFilePath(media(), "missing.wav"));
  EXPECT_FALSE(mediaFilePath("", "hello.wav"));
}

}  // namespace
}  // namespace rtcgate::media
