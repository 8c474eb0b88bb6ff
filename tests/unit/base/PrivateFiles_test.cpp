#include "base/PrivateFiles.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

namespace rtcgate {
namespace {

unsigned modeOf(const std::string& path) {
  struct stat info {};
  ::stat(path.c_str(), &info);
  return info.st_mode & 07777;
}

// A scratch directory under a loose umask, as a service manager may hand down.
class PrivateFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    previous_ = ::umask(022);
    char name[] = "/tmp/rtcgate-private-XXXXXX";
    dir_ = ::mkdtemp(name);
  }
  void TearDown() override {
    std::filesystem::remove_all(dir_);
    ::umask(previous_);
  }
  std::string dir_;
  mode_t previous_ = 0;
};

TEST_F(PrivateFilesTest, CreatedDirectoriesAre0700) {
  std::string why;
  const auto nested = dir_ + "/data/tls";
  ASSERT_TRUE(createPrivateDirectory(nested, why)) << why;
  EXPECT_EQ(modeOf(dir_ + "/data"), 0700u);
  EXPECT_EQ(modeOf(nested), 0700u);
  EXPECT_TRUE(createPrivateDirectory(nested, why)) << "an existing directory is fine";
}

TEST_F(PrivateFilesTest, ExistingDirectoriesAreLeftAloneButReported) {
  const auto mine = dir_ + "/operator";
  ::mkdir(mine.c_str(), 0755);
  std::string why;
  ASSERT_TRUE(createPrivateDirectory(mine, why)) << why;
  EXPECT_EQ(modeOf(mine), 0755u);
  EXPECT_EQ(exposedMode(mine), std::optional<unsigned>(0755u));
  ::chmod(mine.c_str(), 0700);
  EXPECT_EQ(exposedMode(mine), std::nullopt);
  EXPECT_EQ(exposedMode(dir_ + "/absent"), std::nullopt);
}

TEST_F(PrivateFilesTest, APathThroughAFileIsAnError) {
  std::ofstream(dir_ + "/file") << "x";
  std::string why;
  EXPECT_FALSE(createPrivateDirectory(dir_ + "/file", why));
  EXPECT_FALSE(createPrivateDirectory(dir_ + "/file/below", why));
  EXPECT_NE(why.find(dir_ + "/file"), std::string::npos) << why;
}

TEST_F(PrivateFilesTest, CreatedFilesAre0600AndExistingOnesKept) {
  const auto store = dir_ + "/rtcgate.db";
  std::string why;
  ASSERT_TRUE(createPrivateFile(store, why)) << why;
  EXPECT_EQ(modeOf(store), 0600u);
  ::chmod(store.c_str(), 0640);
  ASSERT_TRUE(createPrivateFile(store, why)) << why;
  EXPECT_EQ(modeOf(store), 0640u);
}

TEST_F(PrivateFilesTest, ReadSecretFileStripsTheNewline) {
  std::ofstream(dir_ + "/token") << "s3cret\r\n";
  std::string why;
  EXPECT_EQ(readSecretFile(dir_ + "/token", why), std::optional<std::string>("s3cret"));
  std::ofstream(dir_ + "/empty") << "\n";
  EXPECT_EQ(readSecretFile(dir_ + "/empty", why), std::nullopt);
  EXPECT_NE(why.find("is empty"), std::string::npos);
  EXPECT_EQ(readSecretFile(dir_ + "/absent", why), std::nullopt);
  EXPECT_NE(why.find("cannot read " + dir_ + "/absent"), std::string::npos) << why;
}

TEST_F(PrivateFilesTest, LoadOrCreateMakesA0600RandomSecretOnce) {
  const auto path = dir_ + "/token_secret";
  std::string why;
  const auto first = loadOrCreateSecretFile(path, 32, why);
  ASSERT_TRUE(first) << why;
  EXPECT_EQ(first->size(), 64u);
  EXPECT_EQ(first->find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(modeOf(path), 0600u);
  EXPECT_EQ(loadOrCreateSecretFile(path, 32, why), first);
  const auto other = loadOrCreateSecretFile(dir_ + "/other", 16, why);
  ASSERT_TRUE(other);
  EXPECT_EQ(other->size(), 32u);
  EXPECT_NE(*other, first->substr(0, 32));
  // Nothing is left behind but the secrets.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_), {}), 2);
}

TEST_F(PrivateFilesTest, ConcurrentCreatorsAgree) {
  const auto path = dir_ + "/shared";
  std::vector<std::optional<std::string>> seen(8);
  std::vector<std::thread> threads;
  for (auto& slot : seen) {
    threads.emplace_back([&slot, &path] {
      std::string why;
      slot = loadOrCreateSecretFile(path, 32, why);
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& secret : seen) {
    ASSERT_TRUE(secret);
    EXPECT_EQ(*secret, *seen.front());
  }
}

TEST_F(PrivateFilesTest, LoadOrCreateReportsAnUnwritableDirectory) {
  std::string why;
  EXPECT_FALSE(loadOrCreateSecretFile(dir_ + "/absent/secret", 32, why));
  EXPECT_NE(why.find(dir_ + "/absent/secret"), std::string::npos) << why;
}

}  // namespace
}  // namespace rtcgate
