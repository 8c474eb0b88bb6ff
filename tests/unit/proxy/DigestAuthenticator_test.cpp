#include "proxy/DigestAuthenticator.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <map>
#include <regex>

#include "fakes/FakeTimers.hpp"

namespace rtcgate::proxy {
namespace {

using namespace std::chrono_literals;

// The test's own digest arithmetic (RFC 7616 3.4.1), independent of sip::digest*.
std::string hexHash(const EVP_MD* md, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), out, &length, md, nullptr);
  static const char* digits = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += digits[out[i] >> 4];
    hex += digits[out[i] & 0xf];
  }
  return hex;
}

struct ClientCredentials {
  std::string user = "alice";
  std::string realm = "example.test";
  std::string password = "secret";
  std::string algorithm = "SHA-256";
  std::string method = "REGISTER";
  std::string uri = "sip:example.test";
  std::string nonce;
  std::string nc = "00000001";
  std::string cnonce = "0a4f113b";
  bool qop = true;

  std::string header() const {
    const EVP_MD* md = algorithm == "MD5" ? EVP_md5() : EVP_sha256();
    const std::string ha1 = hexHash(md, user + ":" + realm + ":" + password);
    const std::string ha2 = hexHash(md, method + ":" + uri);
    const std::string response =
        qop ? hexHash(md, ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":auth:" + ha2)
            : hexHash(md, ha1 + ":" + nonce + ":" + ha2);
    std::string value = "Digest username=\"" + user + "\", realm=\"" + realm + "\", nonce=\"" +
                        nonce + "\", uri=\"" + uri + "\", response=\"" + response +
                        "\", algorithm=" + algorithm;
    if (qop) value += ", qop=auth, nc=" + nc + ", cnonce=\"" + cnonce + "\"";
    return value;
  }
};

sip::SipMessage request(const std::string& method, const std::string& requestUri,
                        const std::string& authHeaders) {
  std::string text = method + " " + requestUri +
                     " SIP/2.0\r\n"
                     "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds\r\n"
                     "Max-Forwards: 70\r\n"
                     "To: <sip:alice@example.test>\r\n"
                     "From: <sip:alice@example.test>;tag=1928301774\r\n"
                     "Call-ID: a84b4c76e66710@192.0.2.1\r\n"
                     "CSeq: 2 " +
                     method +
                     "\r\n"
                     "Contact: <sip:alice@192.0.2.1>\r\n" +
                     authHeaders + "Content-Length: 0\r\n\r\n";
  auto parsed = sip::SipMessage::parse(std::move(text));
  EXPECT_TRUE(parsed.ok()) << parsed.error();
  return std::move(parsed).value();
}

std::string nonceOf(const std::string& challenge) {
  std::smatch match;
  static const std::regex pattern("nonce=\"([^\"]+)\"");
  return std::regex_search(challenge, match, pattern) ? match[1].str() : "";
}

class DigestAuthenticatorTest : public ::testing::Test {
 protected:
  DigestAuthenticatorTest() {
    const auto alice = DigestAuthenticator::makeSubscriber("alice", "example.test", "secret");
    users_["alice"] = alice;
  }

  Ha1Lookup lookup() {
    return [this](std::string_view user, std::string_view realm,
                  sip::DigestAlgorithm algorithm) -> std::optional<std::string> {
      auto it = users_.find(std::string(user));
      if (it == users_.end() || it->second.domain != realm) return std::nullopt;
      return algorithm == sip::DigestAlgorithm::Sha256 ? it->second.ha1Sha256 : it->second.ha1Md5;
    };
  }

  AuthResult registerWith(const ClientCredentials& credentials) {
    auto message = request(credentials.method, "sip:example.test",
                           "Authorization: " + credentials.header() + "\r\n");
    return authenticator_.verify(message, false, "example.test", lookup());
  }

  ClientCredentials fresh(const std::string& algorithm = "SHA-256") {
    ClientCredentials credentials;
    credentials.algorithm = algorithm;
    credentials.nonce = nonceOf(authenticator_.challengeValues("example.test", false)[0]);
    return credentials;
  }

  testing::FakeTimers timers_;
  NonceManager nonces_{timers_};
  DigestAuthenticator authenticator_{nonces_};
  std::map<std::string, store::Subscriber> users_;
};

TEST_F(DigestAuthenticatorTest, SubscriberStoresRfc7616Ha1Hashes) {
  const auto row =
      DigestAuthenticator::makeSubscriber("Mufasa", "http-auth@example.org", "Circle of Life");
  EXPECT_EQ(row.ha1Md5, hexHash(EVP_md5(), "Mufasa:http-auth@example.org:Circle of Life"));
  EXPECT_EQ(row.ha1Sha256, hexHash(EVP_sha256(), "Mufasa:http-auth@example.org:Circle of Life"));
  EXPECT_EQ(row.ha1Sha256.size(), 64u);
}

TEST_F(DigestAuthenticatorTest, ChallengeOffersSha256ThenMd5WithQopAuth) {
  auto values = authenticator_.challengeValues("example.test", false);
  EXPECT_EQ(values[0].rfind("Digest realm=\"example.test\"", 0), 0u) << values[0];
  EXPECT_NE(values[0].find("algorithm=SHA-256"), std::string::npos);
  EXPECT_NE(values[1].find("algorithm=MD5"), std::string::npos);
  EXPECT_NE(values[0].find("qop=\"auth\""), std::string::npos);
  EXPECT_EQ(values[0].find("stale"), std::string::npos);
  EXPECT_FALSE(nonceOf(values[0]).empty());
  EXPECT_EQ(nonceOf(values[0]), nonceOf(values[1]));
  EXPECT_NE(nonceOf(values[0]), nonceOf(authenticator_.challengeValues("example.test", true)[0]));
  EXPECT_NE(authenticator_.challengeValues("example.test", true)[1].find("stale=true"),
            std::string::npos);
}

TEST_F(DigestAuthenticatorTest, ChallengeResponseIs401ForRegisterAnd407Otherwise) {
  auto reg = request("REGISTER", "sip:example.test", "");
  auto challenge = authenticator_.challenge(reg, "example.test", false);
  EXPECT_EQ(challenge.statusCode(), 401);
  EXPECT_EQ(challenge.all(sip::HeaderId::WwwAuthenticate).size(), 2u);
  auto invite = request("INVITE", "sip:bob@example.test", "");
  auto proxyChallenge = authenticator_.challenge(invite, "example.test", true, "abc");
  EXPECT_EQ(proxyChallenge.statusCode(), 407);
  auto values = proxyChallenge.all(sip::HeaderId::ProxyAuthenticate);
  ASSERT_EQ(values.size(), 2u);
  EXPECT_NE(values[0].find("SHA-256"), std::string_view::npos);
  EXPECT_NE(values[1].find("stale=true"), std::string_view::npos);
}

TEST_F(DigestAuthenticatorTest, AcceptsSha256AndMd5) {
  for (const char* algorithm : {"SHA-256", "MD5"}) {
    const AuthResult auth = registerWith(fresh(algorithm));
    EXPECT_EQ(auth.outcome, AuthOutcome::Authenticated) << algorithm << ": " << auth.reason;
    EXPECT_EQ(auth.user, "alice");
  }
  auto credentials = fresh("MD5");
  EXPECT_EQ(registerWith(credentials).outcome, AuthOutcome::Authenticated);
  EXPECT_EQ(registerWith(fresh("SHA-256")).algorithm, sip::DigestAlgorithm::Sha256);
}

TEST_F(DigestAuthenticatorTest, AcceptsLegacyNoQopOnce) {
  auto credentials = fresh("MD5");
  credentials.qop = false;
  EXPECT_EQ(registerWith(credentials).outcome, AuthOutcome::Authenticated);
  EXPECT_EQ(registerWith(credentials).outcome, AuthOutcome::StaleNonce);
}

TEST_F(DigestAuthenticatorTest, WrongPasswordAndUnknownUser) {
  auto credentials = fresh();
  credentials.password = "guess";
  EXPECT_EQ(registerWith(credentials).outcome, AuthOutcome::WrongPassword);
  credentials.algorithm = "MD5";
  EXPECT_EQ(registerWith(credentials).outcome, AuthOutcome::WrongPassword);
  auto mallory = fresh();
  mallory.user = "mallory";
  EXPECT_EQ(registerWith(mallory).outcome, AuthOutcome::UnknownUser);
}

TEST_F(DigestAuthenticatorTest, ReplayedNonceCountIsRejected) {
  auto credentials = fresh();
  EXPECT_EQ(registerWith(credentials).outcome, AuthOutcome::Authenticated);
  // The same request again (a captured REGISTER replayed): nc did not grow.
  EXPECT_EQ(registerWith(credentials).outcome, AuthOutcome::StaleNonce);
  credentials.nc = "00000002";
  EXPECT_EQ(registerWith(credentials).outcome, AuthOutcome::Authenticated);
  credentials.nc = "00000002";
  EXPECT_EQ(registerWith(credentials).outcome, AuthOutcome::StaleNonce);
}

TEST_F(DigestAuthenticatorTest, ExpiredNonceWithRightPasswordIsStale) {
  auto credentials = fresh();
  timers_.advance(nonces_.lifetime() + 1s);
  EXPECT_EQ(registerWith(credentials).outcome, AuthOutcome::StaleNonce);
  // Wrong password wins over staleness: stale=true must not tell a guesser to retry.
  credentials.password = "guess";
  EXPECT_EQ(registerWith(credentials).outcome, AuthOutcome::WrongPassword);
}

TEST_F(DigestAuthenticatorTest, ForgedNonceIsNeverAccepted) {
  auto credentials = fresh();
  credentials.nonce = std::string(64, 'a');
  EXPECT_EQ(registerWith(credentials).outcome, AuthOutcome::StaleNonce);
}

TEST_F(DigestAuthenticatorTest, UriMustBeTheRequestUri) {
  auto credentials = fresh();
  credentials.uri = "not a uri";
  EXPECT_EQ(registerWith(credentials).outcome, AuthOutcome::Malformed);
  // Credentials signed for another target (the next hop, another user) are not spent here.
  auto nextHop = fresh();
  nextHop.uri = "sip:127.0.0.1:5060";
  EXPECT_EQ(registerWith(nextHop).outcome, AuthOutcome::Malformed);
  auto otherTarget = fresh();
  otherTarget.uri = "sip:bob@example.test";
  EXPECT_EQ(registerWith(otherTarget).outcome, AuthOutcome::Malformed);
  // Equivalent spelling (host case) is the same URI (RFC 3261 19.1.4).
  auto equivalent = fresh();
  equivalent.uri = "sip:EXAMPLE.test";
  EXPECT_EQ(registerWith(equivalent).outcome, AuthOutcome::Authenticated);
}

TEST_F(DigestAuthenticatorTest, MalformedCredentials) {
  auto credentials = fresh();
  credentials.algorithm = "SHA-512-256";
  EXPECT_EQ(registerWith(credentials).outcome, AuthOutcome::Malformed);
  auto badNc = fresh();
  badNc.nc = "1";
  EXPECT_EQ(registerWith(badNc).outcome, AuthOutcome::Malformed);
  auto message = request("REGISTER", "sip:example.test",
                         "Authorization: Digest username=\"alice\", realm=\"example.test\"\r\n");
  EXPECT_EQ(authenticator_.verify(message, false, "example.test", lookup()).outcome,
            AuthOutcome::Malformed);
}

TEST_F(DigestAuthenticatorTest, NoCredentialsOrOnlyForAnotherRealm) {
  auto plain = request("REGISTER", "sip:example.test", "");
  EXPECT_EQ(authenticator_.verify(plain, false, "example.test", lookup()).outcome,
            AuthOutcome::NoCredentials);
  auto credentials = fresh();
  credentials.realm = "elsewhere.test";
  EXPECT_EQ(registerWith(credentials).outcome, AuthOutcome::NoCredentials);
}

TEST_F(DigestAuthenticatorTest, ProxyAuthorizationForInvite) {
  auto credentials = fresh("MD5");
  credentials.method = "INVITE";
  credentials.uri = "sip:bob@example.test";
  auto invite = request("INVITE", "sip:bob@example.test",
                        "Proxy-Authorization: " + credentials.header() + "\r\n");
  EXPECT_EQ(authenticator_.verify(invite, true, "example.test", lookup()).outcome,
            AuthOutcome::Authenticated);
  // The same credentials in the wrong header are not looked at.
  credentials.nc = "00000002";
  auto wrongHeader =
      request("INVITE", "sip:bob@example.test", "Authorization: " + credentials.header() + "\r\n");
  EXPECT_EQ(authenticator_.verify(wrongHeader, true, "example.test", lookup()).outcome,
            AuthOutcome::NoCredentials);
}

TEST_F(DigestAuthenticatorTest, PicksOurRealmAmongSeveralCredentials) {
  auto other = fresh();
  other.realm = "upstream.test";
  auto ours = fresh();
  auto message =
      request("REGISTER", "sip:example.test",
              "Authorization: " + other.header() + "\r\nAuthorization: " + ours.header() + "\r\n");
  EXPECT_EQ(authenticator_.verify(message, false, "example.test", lookup()).outcome,
            AuthOutcome::Authenticated);
}

}  // namespace
}  // namespace rtcgate::proxy
