// relay.media_dir: where ng `play media` reads WAV files, read and handed to the relay's options.
#include <gtest/gtest.h>

#include "app/ConfigLoader.hpp"
#include "app/RelayCommand.hpp"

namespace rtcgate::app {
namespace {

TEST(MediaDirConfig, ConfiguredFolderReachesTheRelayOptionsElseTheDataDirectorysMedia) {
  const auto loaded = loadConfigText("relay: { media_dir: /srv/announcements }", "t");
  ASSERT_TRUE(loaded.ok()) << loaded.errors.front();
  EXPECT_EQ(relayOptions(loaded.config).mediaDir, "/srv/announcements");
  const auto plain = loadConfigText("node: { data_dir: /srv/gw }", "t");
  ASSERT_TRUE(plain.ok()) << plain.errors.front();
  EXPECT_EQ(relayOptions(plain.config).mediaDir, "/srv/gw/media");
}

}  // namespace
}  // namespace rtcgate::app
