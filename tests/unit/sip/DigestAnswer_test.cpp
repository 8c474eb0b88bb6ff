#include "sip/DigestAnswer.hpp"

#include <gtest/gtest.h>

#include "sip/Digest.hpp"

namespace rtcgate::sip {
namespace {

TEST(DigestAnswer, MatchesRfc2617sWorkedExample) {
  // RFC 2617 3.5: Mufasa's answer to testrealm@host.com for GET /dir/index.html.
  const auto value =
      DigestAnswer{
          .challenge =
              R"(Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41")",
          .method = "GET",
          .uri = "/dir/index.html",
          .username = "Mufasa",
          .password = "Circle Of Life",
          .cnonce = "0a4f113b",
          .nonceCount = 1}
          .write();
  ASSERT_TRUE(value);
  const auto parsed = parseDigestCredentials(*value);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->response, "6629fae49393a05397450978507c4ef1");
  EXPECT_EQ(parsed->qop, "auth");
  EXPECT_EQ(parsed->nc, "00000001");
  EXPECT_EQ(parsed->opaque, "5ccc069c403ebaf9f0171e9517f40e41");
}

TEST(DigestAnswer, AnswersSha256AndNoQop) {
  const auto value = DigestAnswer{.challenge = R"(Digest realm="r", nonce="n", algorithm=SHA-256)",
                                  .method = "INVITE",
                                  .uri = "sip:+15551234@carrier.test",
                                  .username = "u",
                                  .password = "p",
                                  .cnonce = "c"}
                         .write();
  ASSERT_TRUE(value);
  const auto parsed = parseDigestCredentials(*value);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->algorithm, "SHA-256");
  EXPECT_TRUE(parsed->qop.empty());
  const auto ha1 = digestHa1(DigestAlgorithm::Sha256, "u", "r", "p");
  EXPECT_EQ(parsed->response, digestResponse(DigestAlgorithm::Sha256, ha1, "INVITE", *parsed));
  EXPECT_EQ(parsed->response.size(), 64u);
}

TEST(DigestAnswer, RefusesWhatItCannotAnswer) {
  for (const char* challenge :
       {R"(Basic realm="r")", R"(Digest realm="r", nonce="n", qop="auth-int")",
        R"(Digest realm="r", nonce="n", algorithm=MD5-sess)"}) {
    EXPECT_FALSE((DigestAnswer{.challenge = challenge, .method = "INVITE", .uri = "sip:x"}.write()))
        << challenge;
  }
}

TEST(DigestAnswer, PicksSha256OverMd5AndSpotsStaleNonces) {
  EXPECT_EQ(pickDigestChallenge({R"(Digest realm="r", nonce="1")",
                                 R"(Digest realm="r", nonce="2", algorithm=SHA-256)"}),
            1);
  EXPECT_EQ(pickDigestChallenge({R"(Basic realm="r")", R"(Digest realm="r", nonce="1")"}), 1);
  EXPECT_EQ(pickDigestChallenge({R"(Basic realm="r")"}), -1);
  EXPECT_TRUE(isStaleChallenge(R"(Digest realm="r", nonce="1", stale=TRUE)"));
  EXPECT_FALSE(isStaleChallenge(R"(Digest realm="r", nonce="1")"));
}

}  // namespace
}  // namespace rtcgate::sip
