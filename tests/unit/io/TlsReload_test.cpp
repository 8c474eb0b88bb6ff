#include <gtest/gtest.h>

#include <boost/asio/ssl.hpp>

#include "io/CertificateGenerator.hpp"
#include "unit/io/IoTestSupport.hpp"

namespace rtcgate::io::testing {
namespace {

using asio::ip::tcp;
namespace ssl = asio::ssl;

// TransportManager::reloadTls, the configuration reload of tls.*: new connections see the new
// certificate, open ones keep theirs, a bad file changes nothing.
class TlsReloadTest : public TransportTest {
 protected:
  static void SetUpTestSuite() {
    dir_ = tempDir("tls-reload");
    ASSERT_TRUE(CertificateGenerator::generate(pem("old"), key("old")).ok());
    ASSERT_TRUE(CertificateGenerator::generate(pem("new"), key("new")).ok());
  }
  static void TearDownTestSuite() { std::filesystem::remove_all(dir_); }

  static std::string pem(const std::string& name) { return (dir_ / (name + ".pem")).string(); }
  static std::string key(const std::string& name) { return (dir_ / (name + ".key")).string(); }

  static TransportOptions tlsOptions(const std::string& name) {
    auto options = optionsFor({Transport::Tls});
    options.tlsCertificateFile = pem(name);
    options.tlsPrivateKeyFile = key(name);
    return options;
  }

  Status reload(const TransportOptions& options) {
    return onIo([&] { return manager_->reloadTls(options); });
  }

  // A client that trusts only `trusted`; true when the handshake with the gateway succeeds.
  struct Client {
    explicit Client(asio::io_context& io, const std::string& trusted)
        : context(ssl::context::tls_client), stream(io, prepare(context, trusted)) {}
    static ssl::context& prepare(ssl::context& context, const std::string& trusted) {
      context.load_verify_file(trusted);
      context.set_verify_mode(ssl::verify_peer);
      return context;
    }
    ssl::context context;
    ssl::stream<tcp::socket> stream;
  };

  bool handshake(Client& client) {
    const auto target = endpointOf<tcp::endpoint>(Transport::Tls);
    auto result =
        await([&](auto handler) { client.stream.lowest_layer().async_connect(target, handler); });
    if (result.error || result.timedOut) return false;
    result = await(
        [&](auto handler) { client.stream.async_handshake(ssl::stream_base::client, handler); });
    return !result.error && !result.timedOut;
  }

  static inline std::filesystem::path dir_;
};

TEST_F(TlsReloadTest, NewConnectionsGetTheNewCertificateOpenOnesKeepWorking) {
  ASSERT_TRUE(start(tlsOptions("old")).ok());
  Client before(io_.io(), pem("old"));
  ASSERT_TRUE(handshake(before));

  const auto status = reload(tlsOptions("new"));
  ASSERT_TRUE(status.ok()) << status.error();

  Client trustsOld(io_.io(), pem("old"));
  EXPECT_FALSE(handshake(trustsOld));
  Client trustsNew(io_.io(), pem("new"));
  EXPECT_TRUE(handshake(trustsNew));

  // The connection made before the reload still carries messages.
  ASSERT_FALSE(write(before.stream, sipMessage("OPTIONS")).error);
  ASSERT_TRUE(recorder_.waitMessages(1));
  EXPECT_EQ(recorder_.messages()[0].message, sipMessage("OPTIONS"));
}

TEST_F(TlsReloadTest, AFileThatDoesNotLoadChangesNothing) {
  ASSERT_TRUE(start(tlsOptions("old")).ok());
  auto missing = tlsOptions("old");
  missing.tlsCertificateFile = (dir_ / "missing.pem").string();
  const auto status = reload(missing);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().find("missing.pem"), std::string::npos) << status.error();

  auto mismatched = tlsOptions("new");
  mismatched.tlsPrivateKeyFile = key("old");
  EXPECT_FALSE(reload(mismatched).ok());

  Client client(io_.io(), pem("old"));
  EXPECT_TRUE(handshake(client));
}

TEST_F(TlsReloadTest, WithoutTlsListenersOnlyTheClientContextIsReloaded) {
  ASSERT_TRUE(start(optionsFor({Transport::Tcp})).ok());
  // No certificate is needed when nothing listens on tls/wss; a bad CA file is still refused.
  EXPECT_TRUE(reload(optionsFor({})).ok());
  auto badCa = optionsFor({});
  badCa.tlsCaFile = (dir_ / "no-ca.pem").string();
  EXPECT_FALSE(reload(badCa).ok());
}

}  // namespace
}  // namespace rtcgate::io::testing
