#include "io/CertificateGenerator.hpp"

#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

namespace rtcgate::io {

namespace {

template <auto Free>
struct Deleter {
  template <class T>
  void operator()(T* pointer) const {
    Free(pointer);
  }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, Deleter<X509_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using ExtensionPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;
struct FileCloser {
  void operator()(FILE* file) const { std::fclose(file); }
};
using FilePtr = std::unique_ptr<FILE, FileCloser>;

std::string subjectAltNames(const CertificateOptions& options) {
  std::string names;
  for (const auto& dns : options.dnsNames) names += (names.empty() ? "DNS:" : ",DNS:") + dns;
  for (const auto& ip : options.ipAddresses) names += (names.empty() ? "IP:" : ",IP:") + ip;
  return names;
}

bool addExtension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, cert, cert, nullptr, nullptr, 0);
  ExtensionPtr extension(X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str()));
  return extension && X509_add_ext(cert, extension.get(), -1) == 1;
}

bool setRandomSerial(X509* cert) {
  BignumPtr serial(BN_new());
  // 127 bits: positive and below the 20-octet limit of RFC 5280 4.1.2.2.
  return serial && BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1 &&
         BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert)) != nullptr;
}

bool setSubject(X509* cert, const std::string& commonName) {
  X509_NAME* name = X509_get_subject_name(cert);
  const auto* text = reinterpret_cast<const unsigned char*>(commonName.c_str());
  return X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, text, -1, -1, 0) == 1 &&
         X509_set_issuer_name(cert, name) == 1;
}

Result<CertPtr> buildCertificate(EVP_PKEY* key, const CertificateOptions& options) {
  CertPtr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), 2) != 1 || !setRandomSerial(cert.get())) {
    return Error{"cannot create certificate"};
  }
  // Backdated an hour so that a slightly slow peer clock still accepts it.
  constexpr long kDay = 24L * 3600;
  if (!X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) ||
      !X509_gmtime_adj(X509_getm_notAfter(cert.get()), options.validityDays * kDay)) {
    return Error{"cannot set certificate validity"};
  }
  if (X509_set_pubkey(cert.get(), key) != 1 || !setSubject(cert.get(), options.commonName)) {
    return Error{"cannot set certificate subject"};
  }
  const auto altNames = subjectAltNames(options);
  if (!addExtension(cert.get(), NID_basic_constraints, "critical,CA:FALSE") ||
      !addExtension(cert.get(), NID_key_usage, "critical,digitalSignature") ||
      !addExtension(cert.get(), NID_ext_key_usage, "serverAuth,clientAuth") ||
      !addExtension(cert.get(), NID_subject_key_identifier, "hash") ||
      (!altNames.empty() && !addExtension(cert.get(), NID_subject_alt_name, altNames))) {
    return Error{"cannot add certificate extensions"};
  }
  if (X509_sign(cert.get(), key, EVP_sha256()) == 0) return Error{"cannot sign certificate"};
  return cert;
}

Result<bool> writeKey(EVP_PKEY* key, const std::string& path) {
  // Created 0600 from the start: the key is never readable by others, not even briefly.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Error{"cannot create private key file"};
  ::fchmod(fd, 0600);
  FilePtr file(::fdopen(fd, "w"));
  if (!file) {
    ::close(fd);
    return Error{"cannot create private key file"};
  }
  if (PEM_write_PrivateKey(file.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return Error{"cannot write private key"};
  }
  if (std::fclose(file.release()) != 0) return Error{"cannot write private key"};
  return true;
}

Result<bool> writeCertificate(X509* cert, const std::string& path) {
  FilePtr file(std::fopen(path.c_str(), "w"));
  if (!file) return Error{"cannot create certificate file"};
  if (PEM_write_X509(file.get(), cert) != 1) return Error{"cannot write certificate"};
  if (std::fclose(file.release()) != 0) return Error{"cannot write certificate"};
  return true;
}

}  // namespace

Result<bool> CertificateGenerator::generate(const std::string& certificatePath,
                                            const std::string& keyPath,
                                            const CertificateOptions& options) {
  KeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return Error{"cannot generate P-256 key"};
  auto cert = buildCertificate(key.get(), options);
  if (!cert) return Error{cert.error()};
  if (auto written = writeKey(key.get(), keyPath); !written) return written;
  return writeCertificate(cert->get(), certificatePath);
}

Result<std::string> CertificateGenerator::fingerprintSha256(const std::string& certificatePath) {
  FilePtr file(std::fopen(certificatePath.c_str(), "r"));
  if (!file) return Error{"cannot open certificate file"};
  CertPtr cert(PEM_read_X509(file.get(), nullptr, nullptr, nullptr));
  if (!cert) return Error{"not a PEM certificate"};
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (X509_digest(cert.get(), EVP_sha256(), digest, &length) != 1) {
    return Error{"cannot digest certificate"};
  }
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string text;
  text.reserve(length * 3);
  for (unsigned int i = 0; i < length; ++i) {
    if (i > 0) text += ':';
    text += kHex[digest[i] >> 4];
    text += kHex[digest[i] & 0xf];
  }
  return text;
}

}  // namespace rtcgate::io
