// The relay's own SRTP (media/SrtpSession on OpenSSL) against libsrtp2, byte for byte and both
// ways, plus the RFC 3711 Appendix B vectors for the key derivation and the AES-CM keystream.
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "media/webrtc/SrtpKeyDerivation.hpp"
#include "media/webrtc/SrtpReplayWindow.hpp"
#include "media/webrtc/SrtpSession.hpp"
#include "unit/media/webrtc/LibSrtpOracle.hpp"

namespace rtcgate::media {
namespace {

using testing::LibSrtpOracle;
using Bytes = std::vector<std::uint8_t>;

SrtpKeys keysFor(SrtpProfile profile, std::uint8_t seed) {
  SrtpKeys keys;
  keys.profile = profile;
  for (std::size_t i = 0; i < keys.local.size(); ++i) {
    keys.local[i] = static_cast<std::uint8_t>(seed + 7 * i);
    keys.remote[i] = static_cast<std::uint8_t>(seed * 3 + 11 * i + 1);
  }
  return keys;
}

SrtpKeys mirrored(SrtpKeys keys) {
  std::swap(keys.local, keys.remote);
  return keys;
}

// An RTP packet; `variant` adds CSRCs and a header extension to some, as browsers send them.
Bytes rtp(std::uint16_t sequence, std::uint32_t ssrc, int variant = 0) {
  const int csrcs = variant % 3;
  const bool extension = variant % 2 == 1;
  Bytes packet = {static_cast<std::uint8_t>(0x80 | (extension ? 0x10 : 0) | csrcs),
                  0x6f,
                  static_cast<std::uint8_t>(sequence >> 8),
                  static_cast<std::uint8_t>(sequence),
                  0x00,
                  0x01,
                  static_cast<std::uint8_t>(sequence >> 4),
                  0x40,
                  static_cast<std::uint8_t>(ssrc >> 24),
                  static_cast<std::uint8_t>(ssrc >> 16),
                  static_cast<std::uint8_t>(ssrc >> 8),
                  static_cast<std::uint8_t>(ssrc)};
  for (int i = 0; i < 4 * csrcs; ++i) packet.push_back(static_cast<std::uint8_t>(0xc0 + i));
  if (extension) {
    for (std::uint8_t byte : {0xbe, 0xde, 0x00, 0x01, 0x10, 0xff, 0x00, 0x00}) {
      packet.push_back(byte);
    }
  }
  for (int i = 0; i < 40 + variant * 17; ++i) {
    packet.push_back(static_cast<std::uint8_t>(i * 13 + sequence));
  }
  return packet;
}

// A compound RTCP packet: a sender report of `ssrc` and an empty SDES chunk.
Bytes rtcp(std::uint32_t ssrc, std::uint8_t fill) {
  Bytes packet = {0x80,
                  200,
                  0x00,
                  0x06,
                  static_cast<std::uint8_t>(ssrc >> 24),
                  static_cast<std::uint8_t>(ssrc >> 16),
                  static_cast<std::uint8_t>(ssrc >> 8),
                  static_cast<std::uint8_t>(ssrc)};
  packet.resize(28, fill);
  for (std::uint8_t byte : {0x81, 202, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00}) {
    packet.push_back(byte);
  }
  return packet;
}

// Room for the trailer: protect works in place.
Bytes withRoom(Bytes packet) {
  packet.resize(packet.size() + SrtpSession::kMaxTrailer);
  return packet;
}

struct Pair {
  std::unique_ptr<SrtpSession> ours;
  std::unique_ptr<LibSrtpOracle> libsrtp;
};

// `ours` and `libsrtp` talk to each other: each one's local key is the other's remote key.
Pair pair(SrtpProfile profile, std::uint8_t seed = 1) {
  const SrtpKeys keys = keysFor(profile, seed);
  auto ours = SrtpSession::create(keys);
  EXPECT_TRUE(ours);
  return {ours ? std::move(*ours) : nullptr, LibSrtpOracle::create(mirrored(keys))};
}

// The same sender's key in both libraries (for byte-exact comparison of what they produce).
Pair twins(SrtpProfile profile) {
  const SrtpKeys keys = keysFor(profile, 5);
  auto ours = SrtpSession::create(keys);
  EXPECT_TRUE(ours);
  return {ours ? std::move(*ours) : nullptr, LibSrtpOracle::create(keys)};
}

class SrtpOracleTest : public ::testing::TestWithParam<SrtpProfile> {
 protected:
  // libsrtp protects, ours unprotects; false if ours refuses; the plaintext must come back.
  bool intoOurs(Pair& p, const Bytes& plain, Bytes* protectedOut = nullptr) {
    Bytes packet = withRoom(plain);
    std::size_t length = plain.size();
    EXPECT_TRUE(p.libsrtp->protectRtp(packet.data(), length));
    if (protectedOut != nullptr) *protectedOut = Bytes(packet.begin(), packet.begin() + length);
    if (!p.ours->unprotectRtp(packet.data(), length)) return false;
    EXPECT_EQ(Bytes(packet.begin(), packet.begin() + length), plain);
    return true;
  }
  bool deliver(Pair& p, Bytes packet) {
    std::size_t length = packet.size();
    return p.ours->unprotectRtp(packet.data(), length);
  }
};

TEST_P(SrtpOracleTest, RtpIsByteIdenticalToLibsrtpAcrossSequenceWraps) {
  Pair p = twins(GetParam());
  ASSERT_TRUE(p.ours && p.libsrtp);
  // 65,500 upwards in steps of 700: the ROC passes 0 -> 3 on the way.
  std::uint16_t sequence = 65500;
  for (int i = 0; i < 300; ++i, sequence = static_cast<std::uint16_t>(sequence + 700)) {
    const Bytes plain = rtp(sequence, 0x11223344, i % 4);
    Bytes a = withRoom(plain);
    Bytes b = withRoom(plain);
    std::size_t lengthA = plain.size();
    std::size_t lengthB = plain.size();
    ASSERT_TRUE(p.ours->protectRtp(a.data(), lengthA, a.size()));
    ASSERT_TRUE(p.libsrtp->protectRtp(b.data(), lengthB));
    ASSERT_EQ(lengthA, lengthB);
    ASSERT_EQ(a, b) << "packet " << i << ", sequence " << sequence;
  }
}

TEST_P(SrtpOracleTest, RtpBothWaysAcrossTheWrap) {
  Pair p = pair(GetParam());
  ASSERT_TRUE(p.ours && p.libsrtp);
  for (std::uint32_t i = 0; i < 100; ++i) {
    const auto sequence = static_cast<std::uint16_t>(65500 + i);  // 65535 -> 0 at i = 36
    for (std::uint32_t ssrc : {0x01020304u, 0xa0b0c0d0u}) {       // two sources, one session
      const Bytes plain = rtp(sequence, ssrc, static_cast<int>(i % 5));
      ASSERT_TRUE(intoOurs(p, plain)) << sequence;
      Bytes packet = withRoom(plain);
      std::size_t length = plain.size();
      ASSERT_TRUE(p.ours->protectRtp(packet.data(), length, packet.size()));
      ASSERT_TRUE(p.libsrtp->unprotectRtp(packet.data(), length)) << sequence;
      ASSERT_EQ(Bytes(packet.begin(), packet.begin() + length), plain);
    }
  }
}

TEST_P(SrtpOracleTest, LatePacketFromBeforeTheWrapIsAccepted) {
  Pair p = pair(GetParam());
  ASSERT_TRUE(p.ours && p.libsrtp);
  std::vector<Bytes> sent;
  for (std::uint32_t i = 0; i < 12; ++i) {
    Bytes packet = withRoom(rtp(static_cast<std::uint16_t>(65530 + i), 0x55667788));
    std::size_t length = packet.size() - SrtpSession::kMaxTrailer;
    ASSERT_TRUE(p.libsrtp->protectRtp(packet.data(), length));
    packet.resize(length);
    sent.push_back(packet);
  }
  for (std::size_t i = 0; i < sent.size(); ++i) {
    if (i == 5) continue;  // sequence 65535 held back
    EXPECT_TRUE(deliver(p, sent[i])) << i;
  }
  Bytes late = sent[5];
  std::size_t length = late.size();
  ASSERT_TRUE(p.ours->unprotectRtp(late.data(), length));
  late.resize(length);
  EXPECT_EQ(late, rtp(65535, 0x55667788));
}

TEST_P(SrtpOracleTest, ReorderedAcceptedReplayedAndTooOldRefused) {
  Pair p = pair(GetParam());
  ASSERT_TRUE(p.ours && p.libsrtp);
  std::vector<Bytes> sent;
  for (std::uint16_t sequence = 1000; sequence < 1300; ++sequence) {
    Bytes packet = withRoom(rtp(sequence, 0x0badcafe));
    std::size_t length = packet.size() - SrtpSession::kMaxTrailer;
    ASSERT_TRUE(p.libsrtp->protectRtp(packet.data(), length));
    packet.resize(length);
    sent.push_back(packet);
  }
  // Up to 1100 with 1050 and 1060 held back; 1050 then comes 50 behind the highest.
  for (std::size_t i = 0; i <= 100; ++i) {
    if (i == 50 || i == 60) continue;
    EXPECT_TRUE(deliver(p, sent[i])) << i;
  }
  EXPECT_TRUE(deliver(p, sent[50]));   // reordered, inside the 128-packet window
  EXPECT_FALSE(deliver(p, sent[50]));  // replayed
  EXPECT_FALSE(deliver(p, sent[99]));  // replayed
  for (std::size_t i = 101; i < 300; ++i) {
    if (i == 171 || i == 172) continue;
    EXPECT_TRUE(deliver(p, sent[i])) << i;
  }
  EXPECT_FALSE(deliver(p, sent[60]));   // 239 behind the highest (299): too old
  EXPECT_FALSE(deliver(p, sent[299]));  // the highest, again
  EXPECT_FALSE(deliver(p, sent[171]));  // exactly 128 behind: outside the window
  EXPECT_TRUE(deliver(p, sent[172]));   // 127 behind, never received: accepted once
  EXPECT_FALSE(deliver(p, sent[172]));
}

TEST_P(SrtpOracleTest, AuthenticationFailuresAreRefusedAndLeaveTheWindowAlone) {
  Pair p = pair(GetParam());
  ASSERT_TRUE(p.ours && p.libsrtp);
  Bytes genuine;
  intoOurs(p, rtp(10, 0x01010101));
  Bytes plain = withRoom(rtp(11, 0x01010101));
  std::size_t length = plain.size() - SrtpSession::kMaxTrailer;
  ASSERT_TRUE(p.libsrtp->protectRtp(plain.data(), length));
  plain.resize(length);
  genuine = plain;
  for (std::size_t at : {std::size_t{1}, std::size_t{3}, std::size_t{20}, genuine.size() - 1}) {
    Bytes forged = genuine;
    forged[at] ^= 0x01;  // payload type, sequence number, payload, tag
    EXPECT_FALSE(deliver(p, forged)) << at;
  }
  Bytes shortened(genuine.begin(), genuine.end() - 1);
  EXPECT_FALSE(deliver(p, shortened));
  EXPECT_TRUE(deliver(p, genuine));
  // A forged packet of an unknown source takes no slot and breaks nothing.
  Bytes stranger = genuine;
  stranger[11] ^= 0x40;
  EXPECT_FALSE(deliver(p, stranger));
  EXPECT_TRUE(intoOurs(p, rtp(12, 0x01010101)));
}

TEST_P(SrtpOracleTest, RtcpBothWaysWithReplayAndForgeryRefused) {
  Pair p = pair(GetParam());
  ASSERT_TRUE(p.ours && p.libsrtp);
  std::vector<Bytes> fromLibsrtp;
  for (int i = 0; i < 20; ++i) {
    for (std::uint32_t ssrc : {0x10203040u, 0x50607080u}) {
      const Bytes plain = rtcp(ssrc, static_cast<std::uint8_t>(i));
      Bytes packet = withRoom(plain);
      std::size_t length = plain.size();
      ASSERT_TRUE(p.ours->protectRtcp(packet.data(), length, packet.size()));
      ASSERT_TRUE(p.libsrtp->unprotectRtcp(packet.data(), length)) << i;
      ASSERT_EQ(Bytes(packet.begin(), packet.begin() + length), plain);

      packet = withRoom(plain);
      length = plain.size();
      ASSERT_TRUE(p.libsrtp->protectRtcp(packet.data(), length));
      packet.resize(length);
      fromLibsrtp.push_back(packet);
    }
  }
  // Out of order (the last first), then each once; replays and forgeries refused.
  std::vector<std::size_t> order = {fromLibsrtp.size() - 1};
  for (std::size_t i = 0; i + 1 < fromLibsrtp.size(); ++i) order.push_back(i);
  for (std::size_t i : order) {
    Bytes forged = fromLibsrtp[i];
    forged[12] ^= 0x80;
    std::size_t length = forged.size();
    EXPECT_FALSE(p.ours->unprotectRtcp(forged.data(), length));
    Bytes packet = fromLibsrtp[i];
    length = packet.size();
    ASSERT_TRUE(p.ours->unprotectRtcp(packet.data(), length)) << i;
    EXPECT_EQ(Bytes(packet.begin(), packet.begin() + length),
              rtcp(i % 2 == 0 ? 0x10203040u : 0x50607080u, static_cast<std::uint8_t>(i / 2)));
    packet = fromLibsrtp[i];
    length = packet.size();
    EXPECT_FALSE(p.ours->unprotectRtcp(packet.data(), length)) << "replay " << i;
  }
  Bytes runt(fromLibsrtp[0].begin(), fromLibsrtp[0].begin() + 12);
  std::size_t length = runt.size();
  EXPECT_FALSE(p.ours->unprotectRtcp(runt.data(), length));
}

TEST_P(SrtpOracleTest, MoreSourcesThanSlotsStillWork) {
  Pair p = pair(GetParam());
  ASSERT_TRUE(p.ours && p.libsrtp);
  // 40 sources round robin through a 16-slot table: each evicted one comes back fresh.
  for (std::uint16_t round = 0; round < 3; ++round) {
    for (std::uint32_t ssrc = 1; ssrc <= 40; ++ssrc) {
      ASSERT_TRUE(intoOurs(p, rtp(static_cast<std::uint16_t>(100 + round), ssrc)))
          << ssrc << " round " << round;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Profiles, SrtpOracleTest,
                         ::testing::Values(SrtpProfile::AesCm128HmacSha1_80,
                                           SrtpProfile::AesCm128HmacSha1_32,
                                           SrtpProfile::AeadAes128Gcm));

Bytes hex(const char* text) {
  Bytes out;
  for (const char* c = text; c[0] != 0 && c[1] != 0; c += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(c, 2), nullptr, 16)));
  }
  return out;
}

TEST(SrtpKeyDerivationTest, Rfc3711AppendixB3) {
  const Bytes masterKey = hex("E1F97A0D3E018BE0D64FA32C06DE4139");
  const Bytes masterSalt = hex("0EC675AD498AFEEBB6960B3AABE6");
  SrtpKeyDerivation kdf(masterKey.data(), masterSalt.data(), masterSalt.size());
  Bytes key(16);
  Bytes salt(14);
  Bytes auth(20);
  ASSERT_TRUE(kdf.derive(0, key.data(), key.size()));
  ASSERT_TRUE(kdf.derive(2, salt.data(), salt.size()));
  ASSERT_TRUE(kdf.derive(1, auth.data(), auth.size()));
  EXPECT_EQ(key, hex("C61E7A93744F39EE10734AFE3FF7A087"));
  EXPECT_EQ(salt, hex("30CBBC08863D8C85D49DB34A9AE1"));
  EXPECT_EQ(auth, hex("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4"));
}

TEST(SrtpKeyDerivationTest, Rfc3711AppendixB2KeystreamIsTheCounterModeWeUse) {
  // With label 0 the PRF's IV is the salt shifted by 16 bits: B.2's keystream for SSRC 0, index 0.
  const Bytes key = hex("2B7E151628AED2A6ABF7158809CF4F3C");
  const Bytes salt = hex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD");
  SrtpKeyDerivation prf(key.data(), salt.data(), salt.size());
  Bytes stream(48);
  ASSERT_TRUE(prf.derive(0, stream.data(), stream.size()));
  EXPECT_EQ(stream, hex("E03EAD0935C95E80E166B16DD92B4EB4D23513162B02D0F72A43A2FE4A5F97AB"
                        "41E95B3BB0A2E8DD477901E4FCA894C0"));
}

TEST(SrtpReplayWindowTest, EstimatesTheRolloverCounter) {
  SrtpReplayWindow window;
  EXPECT_EQ(window.estimate(50000), 50000u);  // nothing seen yet: ROC 0
  window.accept(50000);
  EXPECT_EQ(window.estimate(10), (1u << 16) | 10u);  // wrapped
  EXPECT_EQ(window.estimate(40000), 40000u);
  window.accept((std::uint64_t{1} << 16) | 10u);
  EXPECT_EQ(window.estimate(65000), 65000u);  // late, from before the wrap
  EXPECT_EQ(window.estimate(20), (1u << 16) | 20u);
}

TEST(SrtpReplayWindowTest, WindowEdges) {
  SrtpReplayWindow window;
  window.accept(1000);
  EXPECT_FALSE(window.check(1000));
  EXPECT_TRUE(window.check(999));
  EXPECT_TRUE(window.check(1000 - 127));
  EXPECT_FALSE(window.check(1000 - 128));
  window.accept(1000 + 64);  // a shift of exactly one word
  EXPECT_FALSE(window.check(1000));
  EXPECT_TRUE(window.check(1001));
  window.accept(1000 + 64 + 200);  // beyond the window: all forgotten
  EXPECT_FALSE(window.check(1000 + 64));
  EXPECT_TRUE(window.check(1000 + 64 + 199));
}

}  // namespace
}  // namespace rtcgate::media
