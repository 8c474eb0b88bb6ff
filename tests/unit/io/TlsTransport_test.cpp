#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>

#include "io/CertificateGenerator.hpp"
#include "unit/io/IoTestSupport.hpp"

namespace rtcgate::io::testing {
namespace {

using asio::ip::tcp;
namespace ssl = asio::ssl;

class TlsTransportTest : public TransportTest {
 protected:
  static void SetUpTestSuite() {
    dir_ = tempDir("tls");
    ASSERT_TRUE(CertificateGenerator::generate(cert(), key()).ok());
    ASSERT_TRUE(CertificateGenerator::generate(otherCert(), otherKey()).ok());
  }
  static void TearDownTestSuite() { std::filesystem::remove_all(dir_); }

  static std::string cert() { return (dir_ / "server.pem").string(); }
  static std::string key() { return (dir_ / "server.key").string(); }
  static std::string otherCert() { return (dir_ / "other.pem").string(); }
  static std::string otherKey() { return (dir_ / "other.key").string(); }

  static TransportOptions tlsOptions() {
    auto options = optionsFor({Transport::Tls});
    options.tlsCertificateFile = cert();
    options.tlsPrivateKeyFile = key();
    return options;
  }

  // A client that trusts exactly our generated certificate and checks it names 127.0.0.1.
  static std::unique_ptr<ssl::context> clientContext(const std::string& trusted) {
    auto context = std::make_unique<ssl::context>(ssl::context::tls_client);
    context->load_verify_file(trusted);
    context->set_verify_mode(ssl::verify_peer);
    return context;
  }

  IoResult connectTls(ssl::stream<tcp::socket>& client) {
    const auto target = endpointOf<tcp::endpoint>(Transport::Tls);
    client.set_verify_callback(ssl::host_name_verification("127.0.0.1"));
    auto result =
        await([&](auto handler) { client.lowest_layer().async_connect(target, handler); });
    if (result.error || result.timedOut) return result;
    return await([&](auto handler) { client.async_handshake(ssl::stream_base::client, handler); });
  }

  static inline std::filesystem::path dir_;
};

TEST_F(TlsTransportTest, MessagesAndRepliesOverTls) {
  ASSERT_TRUE(start(tlsOptions()).ok());
  auto context = clientContext(cert());
  ssl::stream<tcp::socket> client(io_.io(), *context);
  const auto handshake = connectTls(client);
  ASSERT_FALSE(handshake.error || handshake.timedOut) << handshake.error.message();

  const auto request = sipMessage("REGISTER");
  ASSERT_FALSE(write(client, request + request).error);
  ASSERT_TRUE(recorder_.waitMessages(2));
  const auto received = recorder_.messages()[0];
  EXPECT_EQ(received.message, request);
  EXPECT_EQ(received.flow.transport, Transport::Tls);
  EXPECT_NE(received.flow.connectionId, 0u);
  EXPECT_EQ(stats().messagesReceived[TransportStats::at(Transport::Tls)], 2u);

  const std::string reply = "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n";
  ASSERT_TRUE(send(received.flow, reply));
  EXPECT_EQ(readExactly(client, reply.size()), reply);

  ASSERT_FALSE(write(client, "\r\n\r\n").error);
  EXPECT_EQ(readExactly(client, 2), "\r\n");
}

TEST_F(TlsTransportTest, PlaintextOnTheTlsPortFailsTheHandshake) {
  ASSERT_TRUE(start(tlsOptions()).ok());
  auto client = connectTcp(Transport::Tls);
  ASSERT_FALSE(write(client, sipMessage("OPTIONS")).error);
  EXPECT_TRUE(closedByPeer(client));
  EXPECT_EQ(stats().tlsHandshakeFailures, 1u);
  EXPECT_TRUE(recorder_.messages().empty());
  EXPECT_TRUE(recorder_.closedIds().empty());  // never established, nobody knew its id
}

TEST_F(TlsTransportTest, RefusesTls11) {
  ASSERT_TRUE(start(tlsOptions()).ok());
  ssl::context context(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_VERSION);
  SSL_CTX_set_max_proto_version(context.native_handle(), TLS1_1_VERSION);
  SSL_CTX_set_security_level(context.native_handle(), 0);
  context.set_verify_mode(ssl::verify_none);
  ssl::stream<tcp::socket> client(io_.io(), context);
  const auto target = endpointOf<tcp::endpoint>(Transport::Tls);
  ASSERT_FALSE(
      await([&](auto handler) { client.lowest_layer().async_connect(target, handler); }).error);
  const auto handshake =
      await([&](auto handler) { client.async_handshake(ssl::stream_base::client, handler); });
  EXPECT_FALSE(handshake.timedOut);
  EXPECT_TRUE(handshake.error);
}

TEST_F(TlsTransportTest, StartFailsOnMissingCertificate) {
  auto options = tlsOptions();
  options.tlsCertificateFile = (dir_ / "nope.pem").string();
  const auto status = start(options);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().find("nope.pem"), std::string::npos) << status.error();

  auto mismatched = tlsOptions();
  mismatched.tlsPrivateKeyFile = otherKey();
  EXPECT_NE(start(mismatched).error().find(otherKey()), std::string::npos);

  auto none = tlsOptions();
  none.tlsCertificateFile.clear();
  EXPECT_FALSE(start(none).ok());
}

// A TLS server standing in for a SIP trunk.
class TlsPeer {
 public:
  TlsPeer(asio::io_context& io, const std::string& cert, const std::string& key)
      : context_(makeContext(cert, key)),
        acceptor_(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        stream_(io, context_) {}
  template <class Handler>
  void accept(Handler handler) {
    acceptor_.async_accept(stream_.lowest_layer(), [this, handler](const error_code& error) {
      if (error) return handler(error);
      stream_.async_handshake(ssl::stream_base::server, handler);
    });
  }
  // The certificate must be in the context before the stream's SSL object is made from it.
  static ssl::context makeContext(const std::string& cert, const std::string& key) {
    ssl::context context(ssl::context::tls_server);
    context.use_certificate_chain_file(cert);
    context.use_private_key_file(key, ssl::context::pem);
    return context;
  }
  SocketAddress address() const { return toSocketAddress(acceptor_.local_endpoint()); }
  ssl::stream<tcp::socket>& stream() { return stream_; }

 private:
  ssl::context context_;
  tcp::acceptor acceptor_;
  ssl::stream<tcp::socket> stream_;
};

// Our INVITE to a TLS server whose certificate we do not accept: the handshake fails, counted.
class TlsVerificationTest : public TlsTransportTest {
 protected:
  void expectRefused() {
    TlsPeer peer(io_.io(), cert(), key());
    Pending accepted;
    onIo([&] {
      peer.accept(accepted.handler());
      return 0;
    });
    ASSERT_TRUE(send({Transport::Tls, {}, peer.address(), 0}, sipMessage("INVITE")));
    EXPECT_TRUE(accepted.wait().error);
    waitForHandshakeFailure();
    EXPECT_EQ(stats().tlsHandshakeFailures, 1u);
  }
  void waitForHandshakeFailure() {
    for (int i = 0; i < 100 && stats().tlsHandshakeFailures == 0; ++i) {
      std::this_thread::sleep_for(10ms);
    }
  }
};

TEST_F(TlsTransportTest, SendOpensAVerifiedOutboundTlsConnection) {
  auto options = tlsOptions();
  options.tlsVerifyPeer = true;
  options.tlsCaFile = cert();
  ASSERT_TRUE(start(options).ok());
  TlsPeer peer(io_.io(), cert(), key());
  Pending accepted;
  onIo([&] {
    peer.accept(accepted.handler());
    return 0;
  });
  const auto request = sipMessage("INVITE");
  ASSERT_TRUE(send({Transport::Tls, {}, peer.address(), 0}, request));
  const auto handshake = accepted.wait();
  ASSERT_FALSE(handshake.error || handshake.timedOut) << handshake.error.message();
  EXPECT_EQ(readExactly(peer.stream(), request.size()), request);

  const std::string reply = "SIP/2.0 180 Ringing\r\nContent-Length: 0\r\n\r\n";
  ASSERT_FALSE(write(peer.stream(), reply).error);
  ASSERT_TRUE(recorder_.waitMessages(1));
  EXPECT_EQ(recorder_.messages()[0].flow.transport, Transport::Tls);
  EXPECT_EQ(recorder_.messages()[0].flow.remote, peer.address());
  EXPECT_EQ(stats().connectionsOutbound[TransportStats::at(Transport::Tls)], 1u);
}

TEST_F(TlsVerificationTest, OutboundTlsRefusesAnUntrustedServer) {
  auto options = tlsOptions();
  options.tlsVerifyPeer = true;
  options.tlsCaFile = otherCert();  // the peer's certificate is not this one
  ASSERT_TRUE(start(options).ok());
  expectRefused();
  EXPECT_TRUE(recorder_.messages().empty());
}

// A trunk's servers are verified even with verify_peer off (we send them credentials); other
// servers are not.
TEST_F(TlsVerificationTest, AnAlwaysVerifiedServerIsVerifiedWithVerifyPeerOff) {
  auto options = tlsOptions();
  options.tlsVerifyPeer = false;
  options.tlsCaFile = otherCert();  // the peer's certificate is not this one
  ASSERT_TRUE(start(options).ok());
  onIo([&] {
    manager_->alwaysVerify("127.0.0.1");
    return 0;
  });
  expectRefused();
}

TEST_F(TlsVerificationTest, AServerFoundUnderAnAlwaysVerifiedDomainIsVerified) {
  auto options = tlsOptions();
  options.tlsCaFile = cert();
  ASSERT_TRUE(start(options).ok());
  TlsPeer trunk(io_.io(), cert(), key());
  TlsPeer other(io_.io(), otherCert(), otherKey());
  onIo([&] {
    manager_->alwaysVerify("carrier.example");
    // Looked up as carrier.example, found at an SRV target the certificate does not name.
    manager_->expectServerName(trunk.address(), "edge.carrier.example", "carrier.example");
    manager_->expectServerName(other.address(), "pbx.example", "pbx.example");
    return 0;
  });
  Pending trunkAccepted;
  Pending otherAccepted;
  onIo([&] {
    trunk.accept(trunkAccepted.handler());
    other.accept(otherAccepted.handler());
    return 0;
  });
  ASSERT_TRUE(send({Transport::Tls, {}, trunk.address(), 0}, sipMessage("INVITE")));
  EXPECT_TRUE(trunkAccepted.wait().error);
  const auto request = sipMessage("OPTIONS");
  ASSERT_TRUE(send({Transport::Tls, {}, other.address(), 0}, request));
  const auto handshake = otherAccepted.wait();
  ASSERT_FALSE(handshake.error || handshake.timedOut) << handshake.error.message();
  EXPECT_EQ(readExactly(other.stream(), request.size()), request);
  waitForHandshakeFailure();
  EXPECT_EQ(stats().tlsHandshakeFailures, 1u);
}

}  // namespace
}  // namespace rtcgate::io::testing
