#include "media/webrtc/StunMessage.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <string>
#include <vector>

#include "media/webrtc/StunWriter.hpp"

namespace rtcgate::media {
namespace {

// RFC 5769 §2.1 sample request (short-term credentials).
const std::vector<std::uint8_t> kRequest = {
    0x00, 0x01, 0x00, 0x58, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x10, 0x53, 0x54, 0x55, 0x4e, 0x20, 0x74, 0x65, 0x73,
    0x74, 0x20, 0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74, 0x00, 0x24, 0x00, 0x04, 0x6e, 0x00, 0x01, 0xff,
    0x80, 0x29, 0x00, 0x08, 0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36, 0x00, 0x06, 0x00, 0x09,
    0x65, 0x76, 0x74, 0x6a, 0x3a, 0x68, 0x36, 0x76, 0x59, 0x20, 0x20, 0x20, 0x00, 0x08, 0x00, 0x14,
    0x9a, 0xea, 0xa7, 0x0c, 0xbf, 0xd8, 0xcb, 0x56, 0x78, 0x1e, 0xf2, 0xb5, 0xb2, 0xd3, 0xf2, 0x49,
    0xc1, 0xb5, 0x71, 0xa2, 0x80, 0x28, 0x00, 0x04, 0xe5, 0x7a, 0x3b, 0xcf};

// RFC 5769 §2.2 sample IPv4 response: XOR-MAPPED-ADDRESS 192.0.2.1:32853.
const std::vector<std::uint8_t> kResponse = {
    0x01, 0x01, 0x00, 0x3c, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
    0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43,
    0x00, 0x08, 0x00, 0x14, 0x2b, 0x91, 0xf5, 0x99, 0xfd, 0x9e, 0x90, 0xc3, 0x8c, 0x74, 0x89, 0xf9,
    0x2a, 0xf9, 0xba, 0x53, 0xf0, 0x6b, 0xe7, 0xd7, 0x80, 0x28, 0x00, 0x04, 0xc0, 0x7d, 0x4c, 0x96};

constexpr std::string_view kPassword = "VOkJxbRl1RmTxUk/WvJxBt";

PeerAddress v4(const char* address, std::uint16_t port) {
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_port = htons(port);
  inet_pton(AF_INET, address, &in.sin_addr);
  PeerAddress out;
  std::memcpy(&out.storage, &in, sizeof in);
  out.length = sizeof in;
  return out;
}

TEST(StunMessageTest, Rfc5769RequestParsesAndVerifies) {
  auto message = StunMessage::parse(kRequest.data(), kRequest.size());
  ASSERT_TRUE(message) << message.error();
  EXPECT_EQ(message->type, StunMessage::kBindingRequest);
  EXPECT_EQ(message->username, "evtj:h6vY");
  EXPECT_EQ(message->priority, 0x6e0001ffu);
  EXPECT_TRUE(message->iceControlled);
  EXPECT_FALSE(message->iceControlling);
  EXPECT_TRUE(message->hasFingerprint);
  EXPECT_TRUE(message->integrityMatches(kPassword));
  EXPECT_FALSE(message->integrityMatches("wrong password"));
}

TEST(StunMessageTest, Rfc5769ResponseParsesAndVerifies) {
  auto message = StunMessage::parse(kResponse.data(), kResponse.size());
  ASSERT_TRUE(message) << message.error();
  EXPECT_EQ(message->type, StunMessage::kBindingSuccess);
  EXPECT_TRUE(message->integrityMatches(kPassword));
  EXPECT_TRUE(message->xorMappedAddress == v4("192.0.2.1", 32853));
}

TEST(StunMessageTest, CorruptedByteFailsFingerprint) {
  auto bytes = kRequest;
  bytes[30] ^= 1;  // inside SOFTWARE
  auto message = StunMessage::parse(bytes.data(), bytes.size());
  ASSERT_FALSE(message);
  EXPECT_STREQ(message.error(), "STUN FINGERPRINT mismatch");
}

TEST(StunMessageTest, RefusesBadFraming) {
  auto bytes = kRequest;
  EXPECT_FALSE(StunMessage::parse(bytes.data(), bytes.size() - 4));
  bytes[3] = 0x59;  // length not a multiple of 4
  EXPECT_FALSE(StunMessage::parse(bytes.data(), bytes.size()));
  bytes = kRequest;
  bytes[4] = 0;  // magic cookie
  EXPECT_FALSE(StunMessage::parse(bytes.data(), bytes.size()));
  bytes = kRequest;
  bytes[62] = 0x40;  // USERNAME length runs past the end
  EXPECT_FALSE(StunMessage::parse(bytes.data(), bytes.size()));
}

TEST(StunMessageTest, DemuxByFirstByte) {
  EXPECT_TRUE(StunMessage::looksLikeStun(kRequest.data(), kRequest.size()));
  std::array<std::uint8_t, 24> rtp{0x80, 0x00};
  EXPECT_FALSE(StunMessage::looksLikeStun(rtp.data(), rtp.size()));
}

TEST(StunWriterTest, ReproducesRfc5769ResponseByteForByte) {
  std::array<std::uint8_t, StunWriter::kMaxSize> built{};
  std::array<std::uint8_t, 12> tid{};
  std::memcpy(tid.data(), kResponse.data() + 8, 12);
  StunWriter writer(built.data(), StunMessage::kBindingSuccess, tid);
  writer.addSoftware("test vector");
  built[35] = 0x20;  // the RFC pads SOFTWARE with a space where we write zero
  writer.addXorMappedAddress(v4("192.0.2.1", 32853));
  writer.addIntegrity(kPassword);
  writer.addFingerprint();
  ASSERT_TRUE(writer.ok());
  ASSERT_EQ(writer.size(), kResponse.size());
  EXPECT_TRUE(std::equal(kResponse.begin(), kResponse.end(), built.begin()));
}

TEST(StunWriterTest, WritesEitherIceRole) {
  for (const bool controlling : {true, false}) {
    std::array<std::uint8_t, StunWriter::kMaxSize> built{};
    StunWriter writer(built.data(), StunMessage::kBindingRequest, {});
    writer.addUsername("a:b");
    if (controlling) {
      writer.addIceControlling(7);
    } else {
      writer.addIceControlled(7);
    }
    writer.addIntegrity(kPassword);
    writer.addFingerprint();
    ASSERT_TRUE(writer.ok());
    auto message = StunMessage::parse(built.data(), writer.size());
    ASSERT_TRUE(message) << message.error();
    EXPECT_EQ(message->iceControlling, controlling);
    EXPECT_EQ(message->iceControlled, !controlling);
  }
}

TEST(StunWriterTest, RefusesOverflow) {
  std::array<std::uint8_t, StunWriter::kMaxSize> built{};
  StunWriter writer(built.data(), StunMessage::kBindingSuccess, {});
  writer.addUsername(std::string(StunWriter::kMaxSize, 'x'));
  EXPECT_FALSE(writer.ok());
}

TEST(StunWriterTest, Ipv6XorMappedAddressRoundTrip) {
  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  in6.sin6_port = htons(32853);
  inet_pton(AF_INET6, "2001:db8:1234:5678:11:2233:4455:6677", &in6.sin6_addr);
  PeerAddress address;
  address.storage = in6;
  address.length = sizeof in6;
  std::array<std::uint8_t, StunWriter::kMaxSize> built{};
  StunWriter writer(built.data(), StunMessage::kBindingSuccess,
                    {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  writer.addXorMappedAddress(address);
  writer.addFingerprint();
  auto parsed = StunMessage::parse(built.data(), writer.size());
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_TRUE(parsed->xorMappedAddress == address);
}

}  // namespace
}  // namespace rtcgate::media
