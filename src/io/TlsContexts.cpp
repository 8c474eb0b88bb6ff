#include "io/TlsContexts.hpp"

#include <openssl/ssl.h>

namespace rtcgate::io {

namespace ssl = boost::asio::ssl;
using boost::system::error_code;

namespace {

std::unique_ptr<ssl::context> makeContext(ssl::context::method method) {
  auto context = std::make_unique<ssl::context>(method);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  return context;
}

Status fileError(const char* what, const std::string& path, const error_code& error) {
  return Status::failure(std::string("tls: cannot load ") + what + " '" + path +
                         "': " + error.message());
}

}  // namespace

Status TlsContexts::load(const TransportOptions& options, bool needServer) {
  if (needServer) {
    if (auto status = loadServer(options); !status) return status;
  }
  return loadClient(options);
}

Status TlsContexts::loadServer(const TransportOptions& options) {
  if (options.tlsCertificateFile.empty() || options.tlsPrivateKeyFile.empty()) {
    return Status::failure("tls: a certificate and a private key are needed for tls/wss listeners");
  }
  auto context = makeContext(ssl::context::tls_server);
  error_code error;
  context->use_certificate_chain_file(options.tlsCertificateFile, error);
  if (error) return fileError("certificate", options.tlsCertificateFile, error);
  context->use_private_key_file(options.tlsPrivateKeyFile, ssl::context::pem, error);
  if (error) return fileError("private key", options.tlsPrivateKeyFile, error);
  if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
    return Status::failure("tls: private key '" + options.tlsPrivateKeyFile +
                           "' does not match certificate '" + options.tlsCertificateFile + "'");
  }
  if (!options.tlsCaFile.empty()) {
    context->load_verify_file(options.tlsCaFile, error);
    if (error) return fileError("CA file", options.tlsCaFile, error);
  }
  if (options.tlsRequireClientCertificate) {
    context->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  }
  server_ = std::move(context);
  return Status::success();
}

Status TlsContexts::loadClient(const TransportOptions& options) {
  auto context = makeContext(ssl::context::tls_client);
  error_code error;
  if (!options.tlsCaFile.empty()) {
    context->load_verify_file(options.tlsCaFile, error);
    if (error) return fileError("CA file", options.tlsCaFile, error);
  } else {
    context->set_default_verify_paths(
        error);  // no system store is not fatal: only verification fails
  }
  // Present our certificate when we have one: trunks may authenticate us by it (mutual TLS).
  if (server_) {
    context->use_certificate_chain_file(options.tlsCertificateFile, error);
    if (!error) context->use_private_key_file(options.tlsPrivateKeyFile, ssl::context::pem, error);
    if (error) return fileError("certificate for outbound TLS", options.tlsCertificateFile, error);
  }
  client_ = std::move(context);
  return Status::success();
}

}  // namespace rtcgate::io
