#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>

#include "io/Status.hpp"
#include "io/TransportOptions.hpp"

namespace rtcgate::io {

// The OpenSSL contexts behind tls and wss: a server context (our certificate and key, loaded once
// at start so that a bad path fails start-up rather than the first handshake) and a client
// context for outbound TLS. Both refuse anything older than TLS 1.2.
class TlsContexts {
 public:
  // needServer: a tls or wss listener exists, so certificate and key are required.
  Status load(const TransportOptions& options, bool needServer);

  boost::asio::ssl::context* server() { return server_.get(); }
  boost::asio::ssl::context* client() { return client_.get(); }

 private:
  Status loadServer(const TransportOptions& options);
  Status loadClient(const TransportOptions& options);

  std::unique_ptr<boost::asio::ssl::context> server_;
  std::unique_ptr<boost::asio::ssl::context> client_;
};

}  // namespace rtcgate::io
