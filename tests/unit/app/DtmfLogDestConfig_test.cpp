// relay.dtmf_log_dest: read, checked, and handed to the relay's options.
#include <gtest/gtest.h>

#include "app/ConfigLoader.hpp"
#include "app/RelayCommand.hpp"

namespace rtcgate::app {
namespace {

TEST(DtmfLogDestConfig, UdpDestinationReachesTheRelayOptions) {
  const auto loaded = loadConfigText("relay: { dtmf_log_dest: \"udp://127.0.0.1:9999\" }", "t");
  ASSERT_TRUE(loaded.ok()) << loaded.errors.front();
  EXPECT_EQ(loaded.config.relay.dtmfLogDest, "udp://127.0.0.1:9999");
  EXPECT_EQ(relayOptions(loaded.config).dtmfLogDest, "udp://127.0.0.1:9999");
  EXPECT_EQ(relayOptions(loadConfigText("", "t").config).dtmfLogDest, "");
}

TEST(DtmfLogDestConfig, WhatIsNotUdpAddressAndPortIsAnError) {
  for (const char* bad : {"tcp://127.0.0.1:9999", "udp://127.0.0.1", "udp://localhost:9999"}) {
    const auto loaded =
        loadConfigText(std::string("relay: { dtmf_log_dest: \"") + bad + "\" }", "t");
    ASSERT_FALSE(loaded.errors.empty()) << bad;
    EXPECT_NE(loaded.errors.front().find("relay.dtmf_log_dest"), std::string::npos)
        << loaded.errors.front();
  }
}

}  // namespace
}  // namespace rtcgate::app
