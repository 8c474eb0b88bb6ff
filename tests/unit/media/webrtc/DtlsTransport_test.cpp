#include "media/webrtc/DtlsTransport.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <thread>
#include <vector>

#include "fakes/FakeTimers.hpp"

namespace rtcgate::media {
namespace {

using Datagram = std::vector<std::uint8_t>;

// Two DtlsTransports wired back to back through queues the test delivers (or drops).
class DtlsTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto a = DtlsIdentity::generate();
    auto b = DtlsIdentity::generate();
    ASSERT_TRUE(a && b);
    identityA_ = *a;
    identityB_ = *b;
    client_ = std::make_unique<DtlsTransport>(
        identityA_, timers_, [this](auto* d, auto n) { toServer_.emplace_back(d, d + n); });
    server_ = std::make_unique<DtlsTransport>(
        identityB_, timers_, [this](auto* d, auto n) { toClient_.emplace_back(d, d + n); });
  }

  // Delivers queued datagrams both ways until both sides are quiet.
  void pump() {
    for (int round = 0; round < 50 && (!toServer_.empty() || !toClient_.empty()); ++round) {
      deliver(toServer_, *server_);
      deliver(toClient_, *client_);
    }
  }

  static void deliver(std::deque<Datagram>& queue, DtlsTransport& to) {
    while (!queue.empty()) {
      Datagram d = std::move(queue.front());
      queue.pop_front();
      EXPECT_TRUE(DtlsTransport::isDtls(d.data(), d.size()));
      to.onDatagram(d.data(), d.size());
    }
  }

  testing::FakeTimers timers_;
  std::shared_ptr<DtlsIdentity> identityA_;
  std::shared_ptr<DtlsIdentity> identityB_;
  std::deque<Datagram> toServer_;
  std::deque<Datagram> toClient_;
  std::unique_ptr<DtlsTransport> client_;
  std::unique_ptr<DtlsTransport> server_;
};

TEST_F(DtlsTransportTest, IdentityHasSha256Fingerprint) {
  EXPECT_EQ(identityA_->fingerprint().size(), 32u * 3 - 1);
  EXPECT_NE(identityA_->fingerprint(), identityB_->fingerprint());
}

TEST_F(DtlsTransportTest, HandshakeExportsMatchingKeys) {
  server_->start(DtlsTransport::Role::Server, identityA_->fingerprint());
  client_->start(DtlsTransport::Role::Client, identityB_->fingerprint());
  pump();
  ASSERT_EQ(client_->state(), DtlsTransport::State::Connected) << client_->failure();
  ASSERT_EQ(server_->state(), DtlsTransport::State::Connected) << server_->failure();
  EXPECT_EQ(client_->keys().profile, SrtpProfile::AeadAes128Gcm);
  EXPECT_EQ(client_->keys().profile, server_->keys().profile);
  EXPECT_EQ(client_->keys().local, server_->keys().remote);
  EXPECT_EQ(client_->keys().remote, server_->keys().local);
  EXPECT_NE(client_->keys().local, client_->keys().remote);
}

TEST_F(DtlsTransportTest, FingerprintMismatchFailsTheTransport) {
  server_->start(DtlsTransport::Role::Server, identityB_->fingerprint());  // wrong one
  client_->start(DtlsTransport::Role::Client, identityB_->fingerprint());
  pump();
  EXPECT_EQ(server_->state(), DtlsTransport::State::Failed);
  EXPECT_STREQ(server_->failure(), "DTLS fingerprint mismatch");
}

TEST_F(DtlsTransportTest, LostFlightIsRetransmittedOnTimer) {
  server_->start(DtlsTransport::Role::Server, identityA_->fingerprint());
  client_->start(DtlsTransport::Role::Client, identityB_->fingerprint());
  ASSERT_FALSE(toServer_.empty());
  toServer_.clear();  // the ClientHello is lost
  // OpenSSL checks its deadline (400 ms) against the real clock as well as our timer.
  std::this_thread::sleep_for(std::chrono::milliseconds(420));
  timers_.advance(Duration{420});
  ASSERT_FALSE(toServer_.empty()) << "ClientHello not retransmitted";
  pump();
  EXPECT_EQ(client_->state(), DtlsTransport::State::Connected) << client_->failure();
  EXPECT_EQ(server_->state(), DtlsTransport::State::Connected) << server_->failure();
}

TEST_F(DtlsTransportTest, RestartRunsANewHandshakeWithNewKeys) {
  server_->start(DtlsTransport::Role::Server, identityA_->fingerprint());
  client_->start(DtlsTransport::Role::Client, identityB_->fingerprint());
  pump();
  const SrtpKeys first = client_->keys();
  server_->start(DtlsTransport::Role::Server, identityA_->fingerprint());
  client_->start(DtlsTransport::Role::Client, identityB_->fingerprint());
  pump();
  ASSERT_EQ(client_->state(), DtlsTransport::State::Connected) << client_->failure();
  EXPECT_NE(first.local, client_->keys().local);
  EXPECT_EQ(client_->keys().local, server_->keys().remote);
}

TEST_F(DtlsTransportTest, AServerTakesItsSessionOnlyWhenThePeerFirstSendsARecord) {
  server_->start(DtlsTransport::Role::Server, identityA_->fingerprint());
  EXPECT_EQ(server_->state(), DtlsTransport::State::Connecting);
  EXPECT_FALSE(server_->holdsSession()) << "an OpenSSL session for a peer that has not come";
  client_->start(DtlsTransport::Role::Client, identityB_->fingerprint());
  EXPECT_TRUE(client_->holdsSession());
  ASSERT_FALSE(toServer_.empty());
  deliver(toServer_, *server_);  // the ClientHello
  EXPECT_TRUE(server_->holdsSession());
  pump();
  EXPECT_EQ(server_->state(), DtlsTransport::State::Connected) << server_->failure();
}

TEST_F(DtlsTransportTest, SessionIsReleasedAfterLingerAndPeerCanStartANewOne) {
  server_->start(DtlsTransport::Role::Server, identityA_->fingerprint());
  client_->start(DtlsTransport::Role::Client, identityB_->fingerprint());
  pump();
  ASSERT_EQ(server_->state(), DtlsTransport::State::Connected);
  EXPECT_TRUE(server_->holdsSession());
  const SrtpKeys first = server_->keys();
  timers_.advance(DtlsTransport::kLinger);
  EXPECT_FALSE(server_->holdsSession());
  EXPECT_EQ(server_->state(), DtlsTransport::State::Connected);
  EXPECT_EQ(server_->keys().local, first.local);
  // Stray records after the release are ignored; a new ClientHello starts a new association.
  std::vector<std::uint8_t> alert = {21, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 9, 0, 2, 1, 0};
  server_->onDatagram(alert.data(), alert.size());
  EXPECT_EQ(server_->state(), DtlsTransport::State::Connected);
  client_->start(DtlsTransport::Role::Client, identityB_->fingerprint());
  pump();
  ASSERT_EQ(server_->state(), DtlsTransport::State::Connected) << server_->failure();
  ASSERT_EQ(client_->state(), DtlsTransport::State::Connected) << client_->failure();
  EXPECT_NE(server_->keys().local, first.local);
  EXPECT_EQ(server_->keys().local, client_->keys().remote);
}

// A new handshake over a working association (the peer's ClientHello after the release) that
// fails, here on another certificate than the SDP's fingerprint, ends only itself: the working
// keys stay, and the peer may still start another one.
TEST_F(DtlsTransportTest, ANewHandshakeThatFailsKeepsTheWorkingKeys) {
  server_->start(DtlsTransport::Role::Server, identityA_->fingerprint());
  client_->start(DtlsTransport::Role::Client, identityB_->fingerprint());
  pump();
  ASSERT_EQ(server_->state(), DtlsTransport::State::Connected);
  const SrtpKeys first = server_->keys();
  timers_.advance(DtlsTransport::kLinger);
  auto impostor = DtlsIdentity::generate();
  ASSERT_TRUE(impostor);
  client_ = std::make_unique<DtlsTransport>(
      *impostor, timers_, [this](auto* d, auto n) { toServer_.emplace_back(d, d + n); });
  client_->start(DtlsTransport::Role::Client, identityB_->fingerprint());
  deliver(toServer_, *server_);  // the ClientHello: a new handshake runs beside the old one
  EXPECT_TRUE(server_->rehandshaking());
  EXPECT_EQ(server_->state(), DtlsTransport::State::Connected);
  EXPECT_EQ(server_->keys().local, first.local);
  pump();
  EXPECT_FALSE(server_->rehandshaking());
  EXPECT_EQ(server_->state(), DtlsTransport::State::Connected);
  EXPECT_STREQ(server_->failure(), "DTLS fingerprint mismatch");
  EXPECT_EQ(server_->failures(), 1u);
  EXPECT_EQ(server_->completed(), 1u);
  EXPECT_EQ(server_->keys().local, first.local);
  EXPECT_FALSE(server_->holdsSession());
  // The real peer can still start a new association, which then replaces the keys.
  client_ = std::make_unique<DtlsTransport>(
      identityA_, timers_, [this](auto* d, auto n) { toServer_.emplace_back(d, d + n); });
  client_->start(DtlsTransport::Role::Client, identityB_->fingerprint());
  pump();
  EXPECT_EQ(server_->completed(), 2u);
  EXPECT_EQ(server_->keys().local, client_->keys().remote);
  EXPECT_NE(server_->keys().local, first.local);
}

TEST_F(DtlsTransportTest, GarbageDuringHandshakeFailsCleanly) {
  server_->start(DtlsTransport::Role::Server, identityA_->fingerprint());
  std::vector<std::uint8_t> junk(60, 22);
  server_->onDatagram(junk.data(), junk.size());
  EXPECT_NE(server_->state(), DtlsTransport::State::Connected);
}

}  // namespace
}  // namespace rtcgate::media
