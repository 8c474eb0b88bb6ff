#include "media/webrtc/DtlsIdentity.hpp"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

namespace rtcgate::media {
namespace {

constexpr const char* kSrtpProfiles = "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80";

// Peers present self-signed certificates; they are authenticated by the SDP fingerprint after
// the handshake (DtlsTransport), so chain validation is not asked for here.
int acceptAnyCertificate(int /*preverified*/, X509_STORE_CTX* /*store*/) { return 1; }

X509* selfSigned(EVP_PKEY* key) {
  X509* cert = X509_new();
  if (cert == nullptr) return nullptr;
  BIGNUM* serial = BN_new();
  X509_NAME* name = X509_get_subject_name(cert);
  const bool ok =
      serial != nullptr && BN_rand(serial, 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1 &&
      BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert)) != nullptr &&
      X509_set_version(cert, 2) == 1 && X509_gmtime_adj(X509_getm_notBefore(cert), -86400) &&
      X509_gmtime_adj(X509_getm_notAfter(cert), 30L * 86400) && X509_set_pubkey(cert, key) == 1 &&
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>("rtcgate"), -1, -1,
                                 0) == 1 &&
      X509_set_issuer_name(cert, name) == 1 && X509_sign(cert, key, EVP_sha256()) > 0;
  BN_free(serial);
  if (!ok) {
    X509_free(cert);
    return nullptr;
  }
  return cert;
}

}  // namespace

DtlsIdentity::DtlsIdentity(X509* certificate, EVP_PKEY* key)
    : certificate_(certificate), key_(key), fingerprint_(fingerprintOf(certificate)) {}

DtlsIdentity::~DtlsIdentity() {
  SSL_CTX_free(context_);
  X509_free(certificate_);
  EVP_PKEY_free(key_);
}

std::string DtlsIdentity::fingerprintOf(X509* certificate) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (X509_digest(certificate, EVP_sha256(), digest, &length) != 1) return {};
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(length * 3);
  for (unsigned int i = 0; i < length; ++i) {
    if (i != 0) out += ':';
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

bool DtlsIdentity::createContext() {
  context_ = SSL_CTX_new(DTLS_method());
  if (context_ == nullptr) return false;
  SSL_CTX_set_min_proto_version(context_, DTLS1_2_VERSION);
  SSL_CTX_set_verify(context_, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                     acceptAnyCertificate);
  // Every association is new (keys are bound to the SDP fingerprint), so nothing is resumed;
  // a session cache would only hold each peer's certificate for as long as the relay runs.
  SSL_CTX_set_session_cache_mode(context_, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(context_, SSL_OP_NO_TICKET);
  // libssl returns 0 on success here, unlike almost everywhere else.
  return SSL_CTX_use_certificate(context_, certificate_) == 1 &&
         SSL_CTX_use_PrivateKey(context_, key_) == 1 && SSL_CTX_check_private_key(context_) == 1 &&
         SSL_CTX_set_tlsext_use_srtp(context_, kSrtpProfiles) == 0 &&
         SSL_CTX_set_cipher_list(
             context_,
             "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-"
             "POLY1305:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384") == 1;
}

Result<std::shared_ptr<DtlsIdentity>> DtlsIdentity::generate() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (key == nullptr) return Error{"cannot generate the DTLS key"};
  X509* cert = selfSigned(key);
  if (cert == nullptr) {
    EVP_PKEY_free(key);
    return Error{"cannot create the DTLS certificate"};
  }
  std::shared_ptr<DtlsIdentity> identity(new DtlsIdentity(cert, key));
  if (!identity->createContext()) return Error{"cannot create the DTLS context"};
  return identity;
}

Result<std::shared_ptr<DtlsIdentity>> DtlsIdentity::load(const std::string& certificatePem,
                                                         const std::string& keyPem) {
  BIO* certBio = BIO_new_mem_buf(certificatePem.data(), static_cast<int>(certificatePem.size()));
  BIO* keyBio = BIO_new_mem_buf(keyPem.data(), static_cast<int>(keyPem.size()));
  X509* cert = certBio ? PEM_read_bio_X509(certBio, nullptr, nullptr, nullptr) : nullptr;
  EVP_PKEY* key = keyBio ? PEM_read_bio_PrivateKey(keyBio, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(certBio);
  BIO_free(keyBio);
  if (cert == nullptr || key == nullptr) {
    X509_free(cert);
    EVP_PKEY_free(key);
    return Error{"cannot read the DTLS certificate or key"};
  }
  std::shared_ptr<DtlsIdentity> identity(new DtlsIdentity(cert, key));
  if (!identity->createContext()) return Error{"DTLS certificate and key do not match"};
  return identity;
}

}  // namespace rtcgate::media
