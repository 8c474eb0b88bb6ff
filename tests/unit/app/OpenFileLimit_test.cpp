#include "app/OpenFileLimit.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>

namespace rtcgate::app {
namespace {

TEST(OpenFileLimit, SoftLimitIsRaisedToTheHardOne) {
  rlimit original{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &original), 0);
  rlimit lowered = original;
  lowered.rlim_cur = std::min<rlim_t>(original.rlim_max, 512);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &lowered), 0);

  const auto limit = raiseOpenFileLimit();
  EXPECT_EQ(limit.before, lowered.rlim_cur);
  EXPECT_EQ(limit.now, original.rlim_max);
  EXPECT_EQ(limit.hard, original.rlim_max);
  rlimit after{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &after), 0);
  EXPECT_EQ(after.rlim_cur, original.rlim_max);
  setrlimit(RLIMIT_NOFILE, &original);
}

TEST(OpenFileLimit, WarnsWhenThePortRangeDoesNotFit) {
  const OpenFileLimit small{1024, 1024, 1024};
  const auto warning = openFileLimitWarning(small, 30000, 39999);
  EXPECT_NE(warning.find("media.ports 30000-39999"), std::string::npos) << warning;
  EXPECT_NE(warning.find("limit is 1024"), std::string::npos) << warning;
  EXPECT_NE(warning.find("LimitNOFILE"), std::string::npos) << warning;
}

TEST(OpenFileLimit, NoWarningWhenItFits) {
  const OpenFileLimit large{1024, 65536, 65536};
  EXPECT_EQ(openFileLimitWarning(large, 30000, 39999), "");
  EXPECT_EQ(openFileLimitWarning(OpenFileLimit{}, 30000, 39999), "");  // limit unknown
}

}  // namespace
}  // namespace rtcgate::app
