#include "io/CertificateGenerator.hpp"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>

#include "unit/io/IoTestSupport.hpp"

namespace rtcgate::io {
namespace {

struct Files {
  std::filesystem::path dir = testing::tempDir("cert");
  std::string cert = (dir / "server.pem").string();
  std::string key = (dir / "server.key").string();
  ~Files() { std::filesystem::remove_all(dir); }
};

X509* readCertificate(const std::string& path) {
  FILE* file = std::fopen(path.c_str(), "r");
  if (!file) return nullptr;
  X509* cert = PEM_read_X509(file, nullptr, nullptr, nullptr);
  std::fclose(file);
  return cert;
}

// "AB:CD:..." with `octets` upper-case hex pairs.
bool isColonHex(const std::string& text, std::size_t octets) {
  if (text.size() != octets * 3 - 1) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool ok = i % 3 == 2 ? c == ':' : ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'));
    if (!ok) return false;
  }
  return true;
}

TEST(CertificateGeneratorTest, WritesAMatchingSelfSignedP256CertificateAndKey) {
  Files files;
  const auto result = CertificateGenerator::generate(files.cert, files.key);
  ASSERT_TRUE(result.ok()) << result.error();

  X509* cert = readCertificate(files.cert);
  ASSERT_NE(cert, nullptr);
  FILE* keyFile = std::fopen(files.key.c_str(), "r");
  ASSERT_NE(keyFile, nullptr);
  EVP_PKEY* key = PEM_read_PrivateKey(keyFile, nullptr, nullptr, nullptr);
  std::fclose(keyFile);
  ASSERT_NE(key, nullptr);

  EXPECT_EQ(X509_check_private_key(cert, key), 1);
  EXPECT_EQ(EVP_PKEY_get_base_id(key), EVP_PKEY_EC);
  EXPECT_EQ(EVP_PKEY_get_bits(key), 256);
  EXPECT_EQ(X509_verify(cert, key), 1);  // self-signed by that key
  EXPECT_EQ(X509_check_host(cert, "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(cert, "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(cert, "::1", 0), 1);
  EXPECT_EQ(X509_check_host(cert, "example.com", 0, 0, nullptr), 0);

  // Valid now and for about ten years.
  int days = 0;
  int seconds = 0;
  ASSERT_EQ(ASN1_TIME_diff(&days, &seconds, nullptr, X509_get0_notAfter(cert)), 1);
  EXPECT_GT(days, 3640);
  EXPECT_LT(X509_cmp_current_time(X509_get0_notBefore(cert)), 0);

  struct stat info {};
  ASSERT_EQ(::stat(files.key.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EVP_PKEY_free(key);
  X509_free(cert);
}

TEST(CertificateGeneratorTest, FingerprintIsSha256InColonHex) {
  Files files;
  ASSERT_TRUE(CertificateGenerator::generate(files.cert, files.key).ok());
  const auto fingerprint = CertificateGenerator::fingerprintSha256(files.cert);
  ASSERT_TRUE(fingerprint.ok()) << fingerprint.error();
  EXPECT_TRUE(isColonHex(*fingerprint, 32)) << *fingerprint;

  X509* cert = readCertificate(files.cert);
  ASSERT_NE(cert, nullptr);
  unsigned char digest[32];
  unsigned int length = 0;
  ASSERT_EQ(X509_digest(cert, EVP_sha256(), digest, &length), 1);
  X509_free(cert);
  char first[3];
  std::snprintf(first, sizeof first, "%02X", digest[0]);
  EXPECT_EQ(fingerprint->substr(0, 2), first);

  // A new certificate has a new key, so a new fingerprint.
  ASSERT_TRUE(CertificateGenerator::generate(files.cert, files.key).ok());
  EXPECT_NE(*CertificateGenerator::fingerprintSha256(files.cert), *fingerprint);
}

TEST(CertificateGeneratorTest, ReportsUnwritableAndUnreadablePaths) {
  Files files;
  const auto missingDir = (files.dir / "missing" / "x.pem").string();
  EXPECT_FALSE(CertificateGenerator::generate(missingDir, missingDir).ok());
  EXPECT_STREQ(CertificateGenerator::fingerprintSha256(missingDir).error(),
               "cannot open certificate file");
  const auto notPem = (files.dir / "not.pem").string();
  std::FILE* file = std::fopen(notPem.c_str(), "w");
  std::fputs("hello\n", file);
  std::fclose(file);
  EXPECT_STREQ(CertificateGenerator::fingerprintSha256(notPem).error(), "not a PEM certificate");
}

}  // namespace
}  // namespace rtcgate::io
