#include "base/AddressRange.hpp"

#include <gtest/gtest.h>

namespace rtcgate {
namespace {

SocketAddress at(const char* host) { return *SocketAddress::parse(host, 5060); }

TEST(AddressRange, Ipv4Blocks) {
  const auto loopback = AddressRange::parse("127.0.0.0/8");
  ASSERT_TRUE(loopback);
  EXPECT_TRUE(loopback->contains(at("127.0.0.1")));
  EXPECT_TRUE(loopback->contains(at("127.255.0.2")));
  EXPECT_FALSE(loopback->contains(at("128.0.0.1")));
  const auto odd = AddressRange::parse("10.0.0.64/27");
  ASSERT_TRUE(odd);
  EXPECT_TRUE(odd->contains(at("10.0.0.95")));
  EXPECT_FALSE(odd->contains(at("10.0.0.96")));
  EXPECT_FALSE(odd->contains(at("10.0.0.63")));
}

TEST(AddressRange, BareAddressIsOneHost) {
  const auto one = AddressRange::parse("127.0.0.1");
  ASSERT_TRUE(one);
  EXPECT_TRUE(one->contains(at("127.0.0.1")));
  EXPECT_FALSE(one->contains(at("127.0.0.2")));
  const auto v6 = AddressRange::parse("::1");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->contains(at("::1")));
  EXPECT_FALSE(v6->contains(at("127.0.0.1")));
}

TEST(AddressRange, Ipv6AndMappedIpv4) {
  const auto doc = AddressRange::parse("2001:db8::/32");
  ASSERT_TRUE(doc);
  EXPECT_TRUE(doc->contains(at("2001:db8:1::5")));
  EXPECT_FALSE(doc->contains(at("2001:db9::5")));
  const auto all = AddressRange::parse("0.0.0.0/0");
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->contains(at("192.0.2.1")));
  EXPECT_FALSE(all->contains(at("2001:db8::1")));  // families never mix
  const auto loopback = AddressRange::parse("127.0.0.0/8");
  EXPECT_TRUE(loopback->contains(at("::ffff:127.0.0.2")));
}

TEST(AddressRange, RefusesWhatIsNotABlock) {
  for (const char* text : {"", "example.com", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0.0/x",
                           "10.0.0.0/8/8", "/8"}) {
    EXPECT_FALSE(AddressRange::parse(text)) << text;
  }
}

}  // namespace
}  // namespace rtcgate
