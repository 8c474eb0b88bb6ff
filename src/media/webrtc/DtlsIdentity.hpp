#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>

#include "base/Result.hpp"

namespace rtcgate::media {

// The relay's DTLS identity (RFC 5763): one self-signed ECDSA P-256 certificate generated at start
// (or loaded from PEM files), its sha-256 fingerprint for a=fingerprint, and the SSL_CTX every
// DtlsTransport is made from (DTLS 1.2, use_srtp with AEAD_AES_128_GCM and AES_CM_128_HMAC_SHA1_80,
// peer certificate required and checked against the SDP fingerprint instead of a CA).
class DtlsIdentity {
 public:
  static Result<std::shared_ptr<DtlsIdentity>> generate();
  static Result<std::shared_ptr<DtlsIdentity>> load(const std::string& certificatePem,
                                                    const std::string& keyPem);
  ~DtlsIdentity();
  DtlsIdentity(const DtlsIdentity&) = delete;
  DtlsIdentity& operator=(const DtlsIdentity&) = delete;

  // "sha-256 AB:CD:..." value for a=fingerprint is "sha-256 " + fingerprint().
  const std::string& fingerprint() const { return fingerprint_; }
  SSL_CTX* context() const { return context_; }

  // Upper-case colon-separated sha-256 digest of a DER certificate, as in a=fingerprint.
  static std::string fingerprintOf(X509* certificate);

 private:
  DtlsIdentity(X509* certificate, EVP_PKEY* key);
  bool createContext();

  X509* certificate_;
  EVP_PKEY* key_;
  SSL_CTX* context_ = nullptr;
  std::string fingerprint_;
};

}  // namespace rtcgate::media
