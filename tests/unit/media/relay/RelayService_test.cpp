#include "media/relay/RelayService.hpp"

#include <gtest/gtest.h>

namespace rtcgate::media {
namespace {

RelayOptions withInterfaces(std::vector<RelayOptions::Interface> interfaces) {
  RelayOptions options;
  options.listen = {"udp://127.0.0.1:0"};
  options.interfaces = std::move(interfaces);
  return options;
}

// A media interface on an address this host does not have stops the start (the log names it)
// rather than failing the first call that needs a port there.
TEST(RelayServiceTest, AnInterfaceOnAnAddressThisHostLacksFailsTheStart) {
  RelayService relay(withInterfaces(
      {{"public", "127.0.0.1", ""}, {"carrier", "192.0.2.1", ""}}));  // TEST-NET-1, not ours
  const auto started = relay.start();
  ASSERT_FALSE(started.ok());
  EXPECT_STREQ(started.error(), "a media interface's address cannot be bound (see the log)");
}

TEST(RelayServiceTest, InterfacesOnThisHostsAddressesStart) {
  RelayService relay(withInterfaces({{"public", "127.0.0.1", ""}, {"carrier", "127.0.0.2", ""}}));
  EXPECT_TRUE(relay.start().ok());
  relay.stop();
}

}  // namespace
}  // namespace rtcgate::media
