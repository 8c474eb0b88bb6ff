#include "media/webrtc/IceLiteAgent.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <array>
#include <cstring>

#include "fakes/FakeTimers.hpp"
#include "media/webrtc/StunMessage.hpp"
#include "media/webrtc/StunWriter.hpp"

namespace rtcgate::media {
namespace {

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

class IceLiteAgentTest : public ::testing::Test {
 protected:
  // A connectivity check as the browser (full, controlling agent) sends it.
  std::size_t check(std::string_view username, std::string_view password, bool useCandidate,
                    const PeerAddress& from) {
    std::array<std::uint8_t, StunWriter::kMaxSize> request{};
    ++tid_[0];
    StunWriter writer(request.data(), StunMessage::kBindingRequest, tid_);
    writer.addUsername(username);
    writer.addPriority(0x6e0001ff);
    writer.addIceControlling(0x1122334455667788);
    if (useCandidate) writer.addUseCandidate();
    writer.addIntegrity(password);
    writer.addFingerprint();
    return agent_.onStun(request.data(), writer.size(), from, response_.data());
  }

  testing::FakeTimers timers_;
  IceLiteAgent agent_{timers_, {"ourU", "ourPasswordOfTwentyTwoChars"}};
  std::array<std::uint8_t, 12> tid_{};
  std::array<std::uint8_t, StunWriter::kMaxSize> response_{};
  const PeerAddress browser_ = v4("127.0.0.1", 40000);
};

TEST_F(IceLiteAgentTest, AuthenticatedCheckIsAnsweredAndLatched) {
  agent_.setRemote("theirU", "theirPassword");
  const std::size_t size = check("ourU:theirU", "ourPasswordOfTwentyTwoChars", true, browser_);
  ASSERT_GT(size, 0u);
  auto response = StunMessage::parse(response_.data(), size);
  ASSERT_TRUE(response) << response.error();
  EXPECT_EQ(response->type, StunMessage::kBindingSuccess);
  EXPECT_EQ(response->transactionId, tid_);
  EXPECT_TRUE(response->hasFingerprint);
  EXPECT_TRUE(response->integrityMatches("ourPasswordOfTwentyTwoChars"));
  EXPECT_TRUE(response->xorMappedAddress == browser_);
  EXPECT_TRUE(agent_.selected() == browser_);
  EXPECT_TRUE(agent_.nominated());
  EXPECT_EQ(agent_.authenticatedChecks(), 1u);
}

TEST_F(IceLiteAgentTest, WrongPasswordIsRefusedAndDoesNotLatch) {
  agent_.setRemote("theirU", "theirPassword");
  const std::size_t size = check("ourU:theirU", "guessed", true, browser_);
  auto response = StunMessage::parse(response_.data(), size);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->type, StunMessage::kBindingError);
  EXPECT_FALSE(agent_.selected().valid());
  EXPECT_EQ(agent_.rejectedChecks(), 1u);
}

TEST_F(IceLiteAgentTest, WrongUsernameIsRefused) {
  agent_.setRemote("theirU", "theirPassword");
  check("ourU:someoneElse", "ourPasswordOfTwentyTwoChars", true, browser_);
  check("notUs:theirU", "ourPasswordOfTwentyTwoChars", true, browser_);
  EXPECT_FALSE(agent_.selected().valid());
  EXPECT_EQ(agent_.rejectedChecks(), 2u);
}

TEST_F(IceLiteAgentTest, NominationMovesTheSelectedAddressPlainChecksDoNot) {
  agent_.setRemote("theirU", "theirPassword");
  const PeerAddress other = v4("127.0.0.2", 40002);
  check("ourU:theirU", "ourPasswordOfTwentyTwoChars", false, browser_);
  EXPECT_TRUE(agent_.selected() == browser_);
  EXPECT_FALSE(agent_.nominated());
  check("ourU:theirU", "ourPasswordOfTwentyTwoChars", false, other);
  EXPECT_TRUE(agent_.selected() == browser_);
  check("ourU:theirU", "ourPasswordOfTwentyTwoChars", true, other);
  EXPECT_TRUE(agent_.selected() == other);
  EXPECT_TRUE(agent_.nominated());
}

TEST_F(IceLiteAgentTest, ConsentExpiresWithoutChecksAndIsReportedOnce) {
  agent_.setRemote("theirU", "theirPassword");
  check("ourU:theirU", "ourPasswordOfTwentyTwoChars", true, browser_);
  timers_.advance(Duration{29000});
  EXPECT_FALSE(agent_.checkConsent());
  check("ourU:theirU", "ourPasswordOfTwentyTwoChars", true, browser_);  // consent refreshed
  timers_.advance(Duration{29000});
  EXPECT_FALSE(agent_.checkConsent());
  timers_.advance(Duration{2000});
  EXPECT_TRUE(agent_.checkConsent());
  EXPECT_TRUE(agent_.dead());
  EXPECT_FALSE(agent_.checkConsent());
  // A late check revives the transport.
  check("ourU:theirU", "ourPasswordOfTwentyTwoChars", true, browser_);
  EXPECT_FALSE(agent_.dead());
}

TEST_F(IceLiteAgentTest, NoConsentToLoseBeforeTheFirstCheck) {
  agent_.setRemote("theirU", "theirPassword");
  timers_.advance(Duration{60000});  // a call ringing for a minute
  EXPECT_FALSE(agent_.checkConsent());
  EXPECT_FALSE(agent_.dead());
}

TEST_F(IceLiteAgentTest, RestartForgetsTheSelectedAddressAndNeedsNewCredentials) {
  agent_.setRemote("theirU", "theirPassword");
  check("ourU:theirU", "ourPasswordOfTwentyTwoChars", true, browser_);
  EXPECT_FALSE(agent_.setRemote("theirU", "theirPassword"));  // same SDP again: no restart
  EXPECT_TRUE(agent_.selected().valid());
  agent_.setLocal({"newU", "newPasswordOfTwentyTwoChars"});
  EXPECT_TRUE(agent_.setRemote("theirV", "theirNewPassword"));
  EXPECT_FALSE(agent_.selected().valid());
  check("ourU:theirU", "ourPasswordOfTwentyTwoChars", true, browser_);
  EXPECT_FALSE(agent_.selected().valid());
  check("newU:theirV", "newPasswordOfTwentyTwoChars", true, browser_);
  EXPECT_TRUE(agent_.selected() == browser_);
}

TEST_F(IceLiteAgentTest, IndicationsAndGarbageGetNoAnswer) {
  std::array<std::uint8_t, StunWriter::kMaxSize> indication{};
  StunWriter writer(indication.data(), StunMessage::kBindingIndication, {});
  writer.addFingerprint();
  EXPECT_EQ(agent_.onStun(indication.data(), writer.size(), browser_, response_.data()), 0u);
  std::array<std::uint8_t, 8> garbage{0, 1, 0, 0};
  EXPECT_EQ(agent_.onStun(garbage.data(), garbage.size(), browser_, response_.data()), 0u);
}

TEST(IceCredentialsTest, GeneratedCredentialsHaveRfcLengthsAndDiffer) {
  const auto a = IceLiteAgent::generateCredentials();
  const auto b = IceLiteAgent::generateCredentials();
  EXPECT_GE(a.ufrag.size(), 4u);
  EXPECT_GE(a.pwd.size(), 22u);
  EXPECT_NE(a.pwd, b.pwd);
}

}  // namespace
}  // namespace rtcgate::media
