// ProxyCore's digest challenges per transport: which algorithms, in which order.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "unit/proxy/ProxyHarness.hpp"

namespace rtcgate::proxy {
namespace {

using sip::DigestAlgorithm;

class ProxyAuthTest : public testing::ProxyHarness {
 protected:
  void configure(ProxyOptions& options) override {
    options.auth = true;
    if (sipAlgorithms_) options.authAlgorithmsSip = *sipAlgorithms_;
    if (wsAlgorithms_) options.authAlgorithmsWs = *wsAlgorithms_;
  }

  static std::string registerVia(const std::string& via, const std::string& authorization = {}) {
    return "REGISTER sip:localhost SIP/2.0\r\nVia: " + via +
           ";branch=z9hG4bKreg1\r\nMax-Forwards: 70\r\n"
           "From: <sip:alice@localhost>;tag=a1\r\nTo: <sip:alice@localhost>\r\n"
           "Call-ID: reg-1\r\nCSeq: 1 REGISTER\r\nContact: <sip:alice@127.0.0.1:5080>\r\n" +
           authorization + "Content-Length: 0\r\n\r\n";
  }

  // The algorithm= of each challenge header of `response`, in order.
  static std::vector<std::string> algorithmsOffered(const sip::SipMessage& response,
                                                    sip::HeaderId header) {
    std::vector<std::string> out;
    for (const auto& value : response.all(header)) {
      const auto start = value.find("algorithm=");
      if (start == std::string_view::npos) continue;
      const auto rest = value.substr(start + 10);
      out.emplace_back(rest.substr(0, rest.find(',')));
    }
    return out;
  }

  std::vector<std::string> registerChallenge(const sip::Flow& flow, const std::string& via) {
    proxy_->onMessage(registerVia(via), flow);
    const auto challenge = sentTo(flow.remote, "SIP/2.0 401");
    EXPECT_TRUE(challenge);
    if (!challenge) return {};
    return algorithmsOffered(*challenge, sip::HeaderId::WwwAuthenticate);
  }

  const sip::Flow phone{sip::Transport::Udp, udpLocal, address("127.0.0.1", 5080), 0};
  std::optional<std::vector<DigestAlgorithm>> sipAlgorithms_;
  std::optional<std::vector<DigestAlgorithm>> wsAlgorithms_;
};

// sipp and many phones answer the first challenge, JsSIP and SIP.js the last: each transport
// gets the order its clients need to pick SHA-256 when they can.
TEST_F(ProxyAuthTest, ChallengeOrderDependsOnTheTransport) {
  EXPECT_EQ(registerChallenge(phone, "SIP/2.0/UDP 127.0.0.1:5080"),
            (std::vector<std::string>{"MD5", "SHA-256"}));
  EXPECT_EQ(registerChallenge(browser, "SIP/2.0/WSS a.invalid"),
            (std::vector<std::string>{"SHA-256", "MD5"}));

  proxy_->onMessage(
      "INVITE sip:bob@localhost SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKinv1\r\n"
      "Max-Forwards: 70\r\nFrom: <sip:alice@localhost>;tag=a1\r\nTo: <sip:bob@localhost>\r\n"
      "Call-ID: inv-1\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@127.0.0.1:5080>\r\n"
      "Content-Length: 0\r\n\r\n",
      phone);
  const auto challenge = sentTo(phone.remote, "SIP/2.0 407");
  ASSERT_TRUE(challenge);
  EXPECT_EQ(algorithmsOffered(*challenge, sip::HeaderId::ProxyAuthenticate),
            (std::vector<std::string>{"MD5", "SHA-256"}));
}

// sip.auth_algorithms_sip: [sha-256], sip.auth_algorithms_ws: [md5, sha-256].
class ProxyAuthConfiguredTest : public ProxyAuthTest {
 protected:
  ProxyAuthConfiguredTest() {
    sipAlgorithms_ = {DigestAlgorithm::Sha256};
    wsAlgorithms_ = {DigestAlgorithm::Md5, DigestAlgorithm::Sha256};
  }
};

TEST_F(ProxyAuthConfiguredTest, EachTransportOffersItsConfiguredList) {
  EXPECT_EQ(registerChallenge(phone, "SIP/2.0/UDP 127.0.0.1:5080"),
            (std::vector<std::string>{"SHA-256"}));
  EXPECT_EQ(registerChallenge(browser, "SIP/2.0/WSS a.invalid"),
            (std::vector<std::string>{"MD5", "SHA-256"}));
}

// Credentials must use an algorithm offered on the transport they arrive on.
TEST_F(ProxyAuthConfiguredTest, CredentialsWithAnAlgorithmNotOfferedOnTheTransportAreRefused) {
  const std::string md5 =
      "Authorization: Digest username=\"alice\", realm=\"localhost\", nonce=\"n\", "
      "uri=\"sip:localhost\", response=\"00\", algorithm=MD5, qop=auth, nc=00000001, "
      "cnonce=\"c\"\r\n";
  proxy_->onMessage(registerVia("SIP/2.0/UDP 127.0.0.1:5080", md5), phone);
  EXPECT_TRUE(sentTo(phone.remote, "SIP/2.0 400"));
  proxy_->onMessage(registerVia("SIP/2.0/WSS a.invalid", md5), browser);
  EXPECT_FALSE(sentTo(browser.remote, "SIP/2.0 400"));
  EXPECT_TRUE(sentTo(browser.remote, "SIP/2.0 401"));
}

}  // namespace
}  // namespace rtcgate::proxy
