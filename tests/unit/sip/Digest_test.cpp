#include "sip/Digest.hpp"

#include <gtest/gtest.h>

namespace rtcgate::sip {
namespace {

TEST(Digest, ParsesCredentialsWithQuotedAndTokenValues) {
  auto c = parseDigestCredentials(
      "Digest username=\"Mufasa\",\r\n realm=\"testrealm@host.com\", "
      "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", qop=auth, "
      "nc=00000001, cnonce=\"0a4f113b\", response=\"6629fae49393a05397450978507c4ef1\", "
      "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", algorithm=MD5");
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_EQ(c->scheme, "Digest");
  EXPECT_EQ(c->username, "Mufasa");
  EXPECT_EQ(c->realm, "testrealm@host.com");
  EXPECT_EQ(c->nonce, "dcd98b7102dd2f0e8b11d0f600bfb0c093");
  EXPECT_EQ(c->uri, "/dir/index.html");
  EXPECT_EQ(c->qop, "auth");
  EXPECT_EQ(c->nc, "00000001");
  EXPECT_EQ(c->cnonce, "0a4f113b");
  EXPECT_EQ(c->response, "6629fae49393a05397450978507c4ef1");
  EXPECT_EQ(c->opaque, "5ccc069c403ebaf9f0171e9517f40e41");
  EXPECT_EQ(c->algorithm, "MD5");
}

TEST(Digest, OtherSchemeReturnsSchemeOnly) {
  auto c = parseDigestCredentials("NoOneKnowsThisScheme opaque-data=here");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->scheme, "NoOneKnowsThisScheme");
  EXPECT_TRUE(c->username.empty());
}

TEST(Digest, RejectsMalformedCredentials) {
  EXPECT_FALSE(parseDigestCredentials("").ok());
  EXPECT_FALSE(parseDigestCredentials("Digest username").ok());
  EXPECT_FALSE(parseDigestCredentials("Digest username=\"open").ok());
  EXPECT_FALSE(parseDigestCredentials("Digest username=a realm=b").ok());
  EXPECT_FALSE(parseDigestCredentials("Digest username=").ok());
}

// RFC 2617 3.5.
TEST(Digest, Rfc2617Md5Example) {
  auto c = parseDigestCredentials(
      "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", "
      "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", qop=auth, "
      "nc=00000001, cnonce=\"0a4f113b\"");
  ASSERT_TRUE(c.ok());
  const std::string ha1 =
      digestHa1(DigestAlgorithm::Md5, "Mufasa", "testrealm@host.com", "Circle Of Life");
  EXPECT_EQ(digestResponse(DigestAlgorithm::Md5, ha1, "GET", *c),
            "6629fae49393a05397450978507c4ef1");
}

// RFC 7616 3.9.1, both the SHA-256 and the MD5 response.
TEST(Digest, Rfc7616Sha256Example) {
  auto c = parseDigestCredentials(
      "Digest username=\"Mufasa\", realm=\"http-auth@example.org\", uri=\"/dir/index.html\", "
      "algorithm=SHA-256, nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", nc=00000001, "
      "cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\", qop=auth, "
      "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"");
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(digestAlgorithmFromName(c->algorithm), DigestAlgorithm::Sha256);
  const std::string ha1 =
      digestHa1(DigestAlgorithm::Sha256, "Mufasa", "http-auth@example.org", "Circle of Life");
  EXPECT_EQ(digestResponse(DigestAlgorithm::Sha256, ha1, "GET", *c),
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
  const std::string md5Ha1 =
      digestHa1(DigestAlgorithm::Md5, "Mufasa", "http-auth@example.org", "Circle of Life");
  EXPECT_EQ(digestResponse(DigestAlgorithm::Md5, md5Ha1, "GET", *c),
            "8ca523f5e9506fed4657c9700eebdbec");
}

// RFC 2069 style (no qop): response = H(HA1:nonce:HA2). Checked against an independent
// composition of the hash helper.
TEST(Digest, NoQopResponse) {
  DigestCredentials c;
  c.uri = "sip:example.com";
  c.nonce = "abc";
  const std::string ha1 = digestHa1(DigestAlgorithm::Md5, "alice", "example.com", "secret");
  const std::string ha2 = digestHash(DigestAlgorithm::Md5, "REGISTER:sip:example.com");
  EXPECT_EQ(digestResponse(DigestAlgorithm::Md5, ha1, "REGISTER", c),
            digestHash(DigestAlgorithm::Md5, ha1 + ":abc:" + ha2));
  c.qop = "auth-int";
  EXPECT_EQ(digestResponse(DigestAlgorithm::Md5, ha1, "REGISTER", c), "");
}

TEST(Digest, HashVectors) {
  EXPECT_EQ(digestHash(DigestAlgorithm::Md5, ""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(digestHash(DigestAlgorithm::Sha256, "abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(digestAlgorithmFromName(""), DigestAlgorithm::Md5);
  EXPECT_EQ(digestAlgorithmFromName("md5"), DigestAlgorithm::Md5);
  EXPECT_FALSE(digestAlgorithmFromName("MD5-sess").has_value());
}

}  // namespace
}  // namespace rtcgate::sip
