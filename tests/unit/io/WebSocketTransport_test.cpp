#include <gtest/gtest.h>

#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "io/CertificateGenerator.hpp"
#include "unit/io/IoTestSupport.hpp"

namespace rtcgate::io::testing {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using asio::ip::tcp;

using WsClient = websocket::stream<beast::tcp_stream>;
using WssClient = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

const std::string kReply = "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n";

class WebSocketTransportTest : public TransportTest {
 protected:
  static void SetUpTestSuite() {
    dir_ = tempDir("ws");
    ASSERT_TRUE(CertificateGenerator::generate(cert(), key()).ok());
  }
  static void TearDownTestSuite() { std::filesystem::remove_all(dir_); }
  static std::string cert() { return (dir_ / "server.pem").string(); }
  static std::string key() { return (dir_ / "server.key").string(); }

  static TransportOptions wsOptions() {
    auto options = optionsFor({Transport::Ws, Transport::Wss});
    options.tlsCertificateFile = cert();
    options.tlsPrivateKeyFile = key();
    return options;
  }

  template <class Client>
  static void offer(Client& client, const char* subprotocol) {
    client.set_option(websocket::stream_base::decorator([subprotocol](websocket::request_type& r) {
      if (subprotocol) r.set(http::field::sec_websocket_protocol, subprotocol);
    }));
  }

  // Connects and upgrades; the response tells which subprotocol the server chose.
  IoResult handshake(WsClient& client, const char* subprotocol,
                     websocket::response_type& response) {
    const auto target = endpointOf<tcp::endpoint>(Transport::Ws);
    auto result = await([&](auto h) { beast::get_lowest_layer(client).async_connect(target, h); });
    if (result.error || result.timedOut) return result;
    offer(client, subprotocol);
    return await([&](auto h) { client.async_handshake(response, "127.0.0.1", "/", h); });
  }

  IoResult handshake(WssClient& client, websocket::response_type& response) {
    const auto target = endpointOf<tcp::endpoint>(Transport::Wss);
    auto result = await([&](auto h) { beast::get_lowest_layer(client).async_connect(target, h); });
    if (result.error || result.timedOut) return result;
    result =
        await([&](auto h) { client.next_layer().async_handshake(ssl::stream_base::client, h); });
    if (result.error || result.timedOut) return result;
    offer(client, "sip");
    return await([&](auto h) { client.async_handshake(response, "localhost", "/", h); });
  }

  template <class Client>
  IoResult writeFrame(Client& client, const std::string& text) {
    return await([&](auto h) { client.async_write(asio::buffer(text), h); });
  }

  template <class Client>
  std::string readFrame(Client& client, std::chrono::milliseconds timeout = kWait) {
    beast::flat_buffer buffer;
    const auto result = await([&](auto h) { client.async_read(buffer, h); }, timeout);
    if (result.timedOut) return "<timeout>";
    if (result.error) return "<error: " + result.error.message() + ">";
    return beast::buffers_to_string(buffer.data());
  }

  // Sends a raw HTTP request to the ws listener and returns everything until the server closes.
  std::string httpExchange(const std::string& request) {
    auto client = connectTcp(Transport::Ws);
    EXPECT_FALSE(write(client, request).error);
    std::string response;
    const auto result =
        await([&](auto h) { asio::async_read(client, asio::dynamic_buffer(response), h); });
    EXPECT_FALSE(result.timedOut);
    return response;
  }

  static inline std::filesystem::path dir_;
};

TEST_F(WebSocketTransportTest, UpgradeNegotiatesSipAndCarriesOneMessagePerFrame) {
  ASSERT_TRUE(start(wsOptions()).ok());
  WsClient client(io_.io());
  websocket::response_type response;
  const auto upgraded = handshake(client, "foo, sip", response);
  ASSERT_FALSE(upgraded.error || upgraded.timedOut) << upgraded.error.message();
  EXPECT_EQ(response[http::field::sec_websocket_protocol], "sip");

  const auto request = sipMessage("REGISTER");
  ASSERT_FALSE(writeFrame(client, request).error);
  client.binary(true);
  ASSERT_FALSE(writeFrame(client, sipMessage("OPTIONS")).error);
  ASSERT_TRUE(recorder_.waitMessages(2));
  const auto received = recorder_.messages()[0];
  EXPECT_EQ(received.message, request);
  EXPECT_EQ(recorder_.messages()[1].message, sipMessage("OPTIONS"));
  EXPECT_EQ(received.flow.transport, Transport::Ws);
  EXPECT_NE(received.flow.connectionId, 0u);
  EXPECT_EQ(received.flow.local, listener(Transport::Ws).local);
  EXPECT_EQ(received.flow.remote,
            toSocketAddress(beast::get_lowest_layer(client).socket().local_endpoint()));

  ASSERT_TRUE(send(received.flow, kReply));
  EXPECT_EQ(readFrame(client), kReply);
  EXPECT_TRUE(client.got_text());
  EXPECT_EQ(stats().messagesReceived[TransportStats::at(Transport::Ws)], 2u);
}

TEST_F(WebSocketTransportTest, UpgradeWithoutSipSubprotocolIsRefused) {
  ASSERT_TRUE(start(wsOptions()).ok());
  WsClient plain(io_.io());
  websocket::response_type response;
  const auto noProtocol = handshake(plain, nullptr, response);
  EXPECT_FALSE(noProtocol.timedOut);
  EXPECT_TRUE(noProtocol.error);
  EXPECT_EQ(response.result(), http::status::bad_request);

  WsClient other(io_.io());
  EXPECT_TRUE(handshake(other, "xmpp", response).error);
  EXPECT_EQ(stats().webSocketHandshakeFailures, 2u);
  EXPECT_EQ(stats().connectionsOpen[TransportStats::at(Transport::Ws)], 0u);
}

TEST_F(WebSocketTransportTest, ClientCloseIsReported) {
  ASSERT_TRUE(start(wsOptions()).ok());
  WsClient client(io_.io());
  websocket::response_type response;
  ASSERT_FALSE(handshake(client, "sip", response).error);
  ASSERT_FALSE(writeFrame(client, sipMessage("REGISTER")).error);
  ASSERT_TRUE(recorder_.waitMessages(1));
  const auto id = recorder_.messages()[0].flow.connectionId;
  EXPECT_FALSE(await([&](auto h) { client.async_close(websocket::close_code::normal, h); }).error);
  ASSERT_TRUE(recorder_.waitClosed(1));
  EXPECT_EQ(recorder_.closedIds()[0], id);
  EXPECT_FALSE(send({Transport::Ws, {}, recorder_.messages()[0].flow.remote, id}, kReply));
}

TEST_F(WebSocketTransportTest, CrlfPingFrameGetsPongFrame) {
  ASSERT_TRUE(start(wsOptions()).ok());
  WsClient client(io_.io());
  websocket::response_type response;
  ASSERT_FALSE(handshake(client, "sip", response).error);
  ASSERT_FALSE(writeFrame(client, "\r\n\r\n").error);
  EXPECT_EQ(readFrame(client), "\r\n");
  EXPECT_EQ(stats().keepAlivePingsAnswered, 1u);
  EXPECT_TRUE(recorder_.messages().empty());
}

TEST_F(WebSocketTransportTest, OversizeFrameClosesTheConnection) {
  auto options = wsOptions();
  options.maxMessageSize = 300;
  ASSERT_TRUE(start(options).ok());
  WsClient client(io_.io());
  websocket::response_type response;
  ASSERT_FALSE(handshake(client, "sip", response).error);
  ASSERT_FALSE(writeFrame(client, sipMessage("MESSAGE", std::string(1000, 'x'))).error);
  EXPECT_EQ(readFrame(client).rfind("<error", 0), 0u);
  EXPECT_EQ(stats().oversizeRefused, 1u);
  EXPECT_TRUE(recorder_.messages().empty());
}

TEST_F(WebSocketTransportTest, SilentPeerIsPingedAndDroppedWhenItNeverAnswers) {
  auto options = wsOptions();
  options.webSocketPingInterval = 100ms;
  ASSERT_TRUE(start(options).ok());

  // This client keeps a read pending, so Beast answers the server's pings for it.
  WsClient alive(io_.io());
  websocket::response_type response;
  ASSERT_FALSE(handshake(alive, "sip", response).error);
  beast::flat_buffer aliveBuffer;
  Pending aliveRead;
  onIo([&] {
    alive.async_read(aliveBuffer, aliveRead.handler());
    return 0;
  });
  // This one never reads: pings go unanswered.
  WsClient dead(io_.io());
  ASSERT_FALSE(handshake(dead, "sip", response).error);
  ASSERT_FALSE(writeFrame(dead, sipMessage("REGISTER")).error);
  ASSERT_FALSE(writeFrame(alive, sipMessage("REGISTER")).error);
  ASSERT_TRUE(recorder_.waitMessages(2));
  std::uint64_t deadId = 0;
  for (const auto& m : recorder_.messages()) {
    if (m.flow.remote == toSocketAddress(beast::get_lowest_layer(dead).socket().local_endpoint())) {
      deadId = m.flow.connectionId;
    }
  }

  ASSERT_TRUE(recorder_.waitClosed(1));
  EXPECT_EQ(recorder_.closedIds()[0], deadId);
  EXPECT_EQ(stats().connectionsIdleClosed, 1u);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(recorder_.closedIds().size(), 1u);
  EXPECT_EQ(stats().connectionsOpen[TransportStats::at(Transport::Ws)], 1u);
}

TEST_F(WebSocketTransportTest, NoSipTrafficForTheIdleTimeoutCloses) {
  auto options = wsOptions();
  options.webSocketIdleTimeout = 200ms;
  ASSERT_TRUE(start(options).ok());
  WsClient client(io_.io());
  websocket::response_type response;
  ASSERT_FALSE(handshake(client, "sip", response).error);
  EXPECT_EQ(readFrame(client).rfind("<error", 0), 0u);
  ASSERT_TRUE(recorder_.waitClosed(1));
  EXPECT_EQ(stats().connectionsIdleClosed, 1u);
}

TEST_F(WebSocketTransportTest, SecureWebSocketWithGeneratedCertificate) {
  ASSERT_TRUE(start(wsOptions()).ok());
  ssl::context context(ssl::context::tls_client);
  context.load_verify_file(cert());
  context.set_verify_mode(ssl::verify_peer);
  WssClient client(io_.io(), context);
  client.next_layer().set_verify_callback(ssl::host_name_verification("localhost"));
  websocket::response_type response;
  const auto upgraded = handshake(client, response);
  ASSERT_FALSE(upgraded.error || upgraded.timedOut) << upgraded.error.message();
  EXPECT_EQ(response[http::field::sec_websocket_protocol], "sip");

  ASSERT_FALSE(writeFrame(client, sipMessage("INVITE", "v=0\r\n")).error);
  ASSERT_TRUE(recorder_.waitMessages(1));
  const auto received = recorder_.messages()[0];
  EXPECT_EQ(received.message, sipMessage("INVITE", "v=0\r\n"));
  EXPECT_EQ(received.flow.transport, Transport::Wss);
  ASSERT_TRUE(send(received.flow, kReply));
  EXPECT_EQ(readFrame(client), kReply);
}

TEST_F(WebSocketTransportTest, PlainTcpOnTheWssPortFailsTls) {
  ASSERT_TRUE(start(wsOptions()).ok());
  auto client = connectTcp(Transport::Wss);
  ASSERT_FALSE(write(client, std::string("GET / HTTP/1.1\r\nHost: x\r\n\r\n")).error);
  EXPECT_TRUE(closedByPeer(client));
  EXPECT_EQ(stats().tlsHandshakeFailures, 1u);
}

TEST_F(WebSocketTransportTest, PlainHttpGetIsServedByTheHook) {
  ASSERT_TRUE(start(wsOptions()).ok());
  std::vector<std::string> paths;
  onIo([&] {
    manager_->onHttpRequest([&](std::string_view path) -> std::optional<HttpResponse> {
      paths.emplace_back(path);
      if (path != "/demo") return std::nullopt;
      return HttpResponse{"text/html", "<h1>rtcgate</h1>"};
    });
    return 0;
  });
  const auto page = httpExchange("GET /demo?x=1 HTTP/1.1\r\nHost: localhost\r\n\r\n");
  EXPECT_EQ(page.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << page;
  EXPECT_NE(page.find("Content-Type: text/html\r\n"), std::string::npos);
  EXPECT_NE(page.find("\r\n\r\n<h1>rtcgate</h1>"), std::string::npos);

  EXPECT_EQ(
      httpExchange("GET /missing HTTP/1.1\r\nHost: localhost\r\n\r\n").rfind("HTTP/1.1 404", 0),
      0u);
  EXPECT_EQ(httpExchange("POST /demo HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
                .rfind("HTTP/1.1 405", 0),
            0u);
  EXPECT_EQ(onIo([&] { return paths; }), (std::vector<std::string>{"/demo", "/missing"}));
  EXPECT_EQ(stats().httpRequestsServed, 1u);
  EXPECT_TRUE(recorder_.closedIds().empty());
}

}  // namespace
}  // namespace rtcgate::io::testing
