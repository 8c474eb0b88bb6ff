#pragma once

#include <string>
#include <vector>

#include "base/Result.hpp"

namespace rtcgate::io {

struct CertificateOptions {
  std::string commonName = "localhost";
  std::vector<std::string> dnsNames = {"localhost"};
  std::vector<std::string> ipAddresses = {"127.0.0.1", "::1"};
  int validityDays = 3650;
};

// Makes the self-signed ECDSA P-256 certificate that `rtcgate run` uses for wss on first start
// (browsers are told to accept it once), with OpenSSL 3 directly: no openssl binary needed.
class CertificateGenerator {
 public:
  // Writes the certificate (PEM) and its private key (PEM, mode 0600), replacing existing files.
  static Result<bool> generate(const std::string& certificatePath, const std::string& keyPath,
                               const CertificateOptions& options = {});

  // SHA-256 fingerprint of the first certificate in a PEM file, "AB:CD:...:EF" as in SDP
  // a=fingerprint (RFC 8122) and browser certificate viewers.
  static Result<std::string> fingerprintSha256(const std::string& certificatePath);
};

}  // namespace rtcgate::io
