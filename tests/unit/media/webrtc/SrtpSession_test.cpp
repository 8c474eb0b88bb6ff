#include "media/webrtc/SrtpSession.hpp"

#include <gtest/gtest.h>
#include <malloc.h>

#include <array>
#include <vector>

#include "media/webrtc/SdesCrypto.hpp"

namespace rtcgate::media {
namespace {

SrtpKeys keysFor(SrtpProfile profile, std::uint8_t seedLocal, std::uint8_t seedRemote) {
  SrtpKeys keys;
  keys.profile = profile;
  for (std::size_t i = 0; i < keys.local.size(); ++i) {
    keys.local[i] = static_cast<std::uint8_t>(seedLocal + i);
    keys.remote[i] = static_cast<std::uint8_t>(seedRemote + 3 * i);
  }
  return keys;
}

SrtpKeys mirrored(const SrtpKeys& keys) {
  SrtpKeys other = keys;
  std::swap(other.local, other.remote);
  return other;
}

std::vector<std::uint8_t> rtpPacket(std::uint16_t sequence) {
  std::vector<std::uint8_t> packet = {0x80,
                                      0x00,
                                      static_cast<std::uint8_t>(sequence >> 8),
                                      static_cast<std::uint8_t>(sequence),
                                      0,
                                      0,
                                      0,
                                      160,
                                      0x11,
                                      0x22,
                                      0x33,
                                      0x44};
  for (int i = 0; i < 160; ++i) packet.push_back(static_cast<std::uint8_t>(i));
  return packet;
}

std::vector<std::uint8_t> rtcpSenderReport() {
  std::vector<std::uint8_t> packet = {0x80, 200, 0x00, 0x06, 0x11, 0x22, 0x33, 0x44};
  packet.resize(28, 0x5a);
  return packet;
}

void expectRoundTrip(SrtpSession& sender, SrtpSession& receiver) {
  for (std::uint16_t seq = 1; seq < 20; ++seq) {
    const auto plain = rtpPacket(seq);
    std::array<std::uint8_t, 2048> buffer{};
    std::copy(plain.begin(), plain.end(), buffer.begin());
    std::size_t length = plain.size();
    ASSERT_TRUE(sender.protectRtp(buffer.data(), length, buffer.size()));
    EXPECT_GT(length, plain.size());
    EXPECT_FALSE(std::equal(plain.begin() + 12, plain.end(), buffer.begin() + 12));
    ASSERT_TRUE(receiver.unprotectRtp(buffer.data(), length));
    ASSERT_EQ(length, plain.size());
    EXPECT_TRUE(std::equal(plain.begin(), plain.end(), buffer.begin()));
  }
  const auto report = rtcpSenderReport();
  std::array<std::uint8_t, 2048> buffer{};
  std::copy(report.begin(), report.end(), buffer.begin());
  std::size_t length = report.size();
  ASSERT_TRUE(sender.protectRtcp(buffer.data(), length, buffer.size()));
  ASSERT_TRUE(receiver.unprotectRtcp(buffer.data(), length));
  ASSERT_EQ(length, report.size());
  EXPECT_TRUE(std::equal(report.begin(), report.end(), buffer.begin()));
}

class SrtpSessionTest : public ::testing::TestWithParam<SrtpProfile> {};

TEST_P(SrtpSessionTest, RtpAndRtcpRoundTrip) {
  const SrtpKeys keys = keysFor(GetParam(), 1, 100);
  auto sender = SrtpSession::create(keys);
  auto receiver = SrtpSession::create(mirrored(keys));
  ASSERT_TRUE(sender && receiver);
  expectRoundTrip(**sender, **receiver);
}

TEST_P(SrtpSessionTest, AReservedSessionIsKeyedWithoutAllocatingAndInteroperates) {
  const SrtpKeys keys = keysFor(GetParam(), 7, 70);
  // The process's first session fills OpenSSL's algorithm caches once: not the session's memory.
  ASSERT_TRUE(SrtpSession::create(keys));
  auto reserved = SrtpSession::reserve(GetParam());
  ASSERT_NE(reserved, nullptr);
  const std::size_t before = mallinfo2().uordblks;
  auto session = SrtpSession::create(keys, std::move(reserved));
  [[maybe_unused]] const std::size_t allocated = mallinfo2().uordblks - before;
  ASSERT_TRUE(session);
#if !defined(__SANITIZE_ADDRESS__)  // ASan's allocator does not report through mallinfo2
  EXPECT_EQ(allocated, 0u) << "keying a reserved session allocated";
#endif
  auto peer = SrtpSession::create(mirrored(keys));
  ASSERT_TRUE(peer);
  expectRoundTrip(**session, **peer);
  expectRoundTrip(**peer, **session);
}

TEST(SrtpSessionReserveTest, AReservationForAnotherProfileIsNotUsed) {
  const SrtpKeys keys = keysFor(SrtpProfile::AesCm128HmacSha1_80, 3, 30);
  auto session = SrtpSession::create(keys, SrtpSession::reserve(SrtpProfile::AeadAes128Gcm));
  auto peer = SrtpSession::create(mirrored(keys));
  ASSERT_TRUE(session && peer);
  EXPECT_EQ((*session)->profile(), SrtpProfile::AesCm128HmacSha1_80);
  expectRoundTrip(**session, **peer);
}

TEST_P(SrtpSessionTest, TamperedAndReplayedPacketsAreRefused) {
  const SrtpKeys keys = keysFor(GetParam(), 7, 9);
  auto sender = SrtpSession::create(keys);
  auto receiver = SrtpSession::create(mirrored(keys));
  ASSERT_TRUE(sender && receiver);
  const auto plain = rtpPacket(5);
  std::array<std::uint8_t, 2048> buffer{};
  std::copy(plain.begin(), plain.end(), buffer.begin());
  std::size_t length = plain.size();
  ASSERT_TRUE((*sender)->protectRtp(buffer.data(), length, buffer.size()));
  auto tampered = buffer;
  tampered[20] ^= 1;
  std::size_t tamperedLength = length;
  EXPECT_FALSE((*receiver)->unprotectRtp(tampered.data(), tamperedLength));
  auto replay = buffer;
  std::size_t replayLength = length;
  ASSERT_TRUE((*receiver)->unprotectRtp(buffer.data(), length));
  EXPECT_FALSE((*receiver)->unprotectRtp(replay.data(), replayLength));
}

TEST_P(SrtpSessionTest, WrongKeyIsRefused) {
  auto sender = SrtpSession::create(keysFor(GetParam(), 1, 2));
  auto stranger = SrtpSession::create(keysFor(GetParam(), 50, 60));
  ASSERT_TRUE(sender && stranger);
  const auto plain = rtpPacket(1);
  std::array<std::uint8_t, 2048> buffer{};
  std::copy(plain.begin(), plain.end(), buffer.begin());
  std::size_t length = plain.size();
  ASSERT_TRUE((*sender)->protectRtp(buffer.data(), length, buffer.size()));
  EXPECT_FALSE((*stranger)->unprotectRtp(buffer.data(), length));
}

INSTANTIATE_TEST_SUITE_P(Profiles, SrtpSessionTest,
                         ::testing::Values(SrtpProfile::AesCm128HmacSha1_80,
                                           SrtpProfile::AesCm128HmacSha1_32,
                                           SrtpProfile::AeadAes128Gcm));

// RFC 7714 §9.1: with the E flag clear nothing is encrypted and the tag covers the whole packet.
// Checking such a packet offset a null text pointer (undefined behaviour, fuzz/media/SrtpSession
// under UBSan); a wrong tag must still be refused.
TEST(SrtpSessionGcmTest, RtcpWithoutTheEncryptedFlagIsOnlyAuthenticated) {
  auto receiver = SrtpSession::create(keysFor(SrtpProfile::AeadAes128Gcm, 4, 40));
  ASSERT_TRUE(receiver);
  auto packet = rtcpSenderReport();
  packet.resize(packet.size() + 16, 0x5a);                // a tag that does not authenticate
  packet.insert(packet.end(), {0x00, 0x00, 0x00, 0x01});  // E clear, index 1
  std::size_t length = packet.size();
  EXPECT_FALSE((*receiver)->unprotectRtcp(packet.data(), length));
  EXPECT_EQ(length, packet.size());
}

TEST(SrtpSessionCapacityTest, RefusesWithoutRoomForTheTag) {
  auto sender = SrtpSession::create(keysFor(SrtpProfile::AesCm128HmacSha1_80, 1, 2));
  ASSERT_TRUE(sender);
  auto plain = rtpPacket(1);
  std::size_t length = plain.size();
  EXPECT_FALSE((*sender)->protectRtp(plain.data(), length, plain.size()));
}

TEST(SdesCryptoTest, ParsesRfc4568Example) {
  // RFC 4568 §4 example key.
  auto crypto = SdesCrypto::parse(
      "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4");
  ASSERT_FALSE(crypto);  // it carries an MKI
  crypto = SdesCrypto::parse(
      "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20");
  ASSERT_TRUE(crypto) << crypto.error();
  EXPECT_EQ(crypto->tag, 1);
  EXPECT_EQ(crypto->profile, SrtpProfile::AesCm128HmacSha1_80);
  EXPECT_EQ(crypto->keySalt[0], 0x3d);  // 'PS1u' -> 3d 2d 6e
  EXPECT_EQ(crypto->keySalt[1], 0x2d);
  EXPECT_EQ(crypto->format(),
            "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR");
}

TEST(SdesCryptoTest, RefusesBadLines) {
  EXPECT_FALSE(
      SdesCrypto::parse("1 F8_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"));
  EXPECT_FALSE(SdesCrypto::parse("1 AES_CM_128_HMAC_SHA1_80 inline:short"));
  EXPECT_FALSE(SdesCrypto::parse(
      "x AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"));
  EXPECT_FALSE(SdesCrypto::parse("1 AES_CM_128_HMAC_SHA1_80"));
  EXPECT_FALSE(SdesCrypto::parse(""));
}

TEST(SdesCryptoTest, GeneratedKeysRoundTripAndDriveSrtp) {
  const auto offered = SdesCrypto::generate(1, SrtpProfile::AeadAes128Gcm);
  auto parsed = SdesCrypto::parse(offered.format());
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_EQ(parsed->keySalt, offered.keySalt);
  const auto answered = SdesCrypto::generate(1, SrtpProfile::AeadAes128Gcm);
  SrtpKeys ours{SrtpProfile::AeadAes128Gcm, offered.keySalt, answered.keySalt};
  SrtpKeys theirs{SrtpProfile::AeadAes128Gcm, answered.keySalt, parsed->keySalt};
  auto a = SrtpSession::create(ours);
  auto b = SrtpSession::create(theirs);
  ASSERT_TRUE(a && b);
  auto plain = rtpPacket(3);
  std::array<std::uint8_t, 2048> buffer{};
  std::copy(plain.begin(), plain.end(), buffer.begin());
  std::size_t length = plain.size();
  ASSERT_TRUE((*a)->protectRtp(buffer.data(), length, buffer.size()));
  ASSERT_TRUE((*b)->unprotectRtp(buffer.data(), length));
  EXPECT_EQ(length, plain.size());
}

}  // namespace
}  // namespace rtcgate::media
