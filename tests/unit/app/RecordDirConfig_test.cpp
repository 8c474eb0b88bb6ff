// relay.record_dir: where ng `start recording` writes, read and handed to the relay's options.
#include <gtest/gtest.h>

#include "app/ConfigLoader.hpp"
#include "app/RelayCommand.hpp"

namespace rtcgate::app {
namespace {

TEST(RecordDirConfig, ConfiguredFolderReachesTheRelayOptions) {
  const auto loaded = loadConfigText("relay: { record_dir: /var/lib/rtcgate/rec }", "t");
  ASSERT_TRUE(loaded.ok()) << loaded.errors.front();
  EXPECT_EQ(relayOptions(loaded.config).recordDir, "/var/lib/rtcgate/rec");
}

TEST(RecordDirConfig, DefaultsToRecordingsInTheDataDirectory) {
  EXPECT_EQ(relayOptions(loadConfigText("", "t").config).recordDir, "./rtcgate-data/recordings");
  const auto loaded = loadConfigText("node: { data_dir: /srv/gw }", "t");
  ASSERT_TRUE(loaded.ok()) << loaded.errors.front();
  EXPECT_EQ(relayOptions(loaded.config).recordDir, "/srv/gw/recordings");
}

}  // namespace
}  // namespace rtcgate::app
