#include <gtest/gtest.h>

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket.hpp>
#include <memory>
#include <vector>

#include "http/RequestTarget.hpp"
#include "unit/http/AdminTestServer.hpp"

namespace rtcgate::http {
namespace {

namespace websocket = boost::beast::websocket;
using testing::AdminTestServer;

// A blocking WebSocket client for the tests.
class Client {
 public:
  // 101 when the handshake succeeded. `field` carries the token: "Bearer <token>" in
  // Authorization, or the subprotocol list a browser offers.
  unsigned connect(std::uint16_t port, const std::string& target, const std::string& token = {},
                   boost::beast::http::field field = boost::beast::http::field::authorization) {
    ws_.next_layer().connect({boost::asio::ip::make_address("127.0.0.1"), port});
    if (!token.empty()) {
      ws_.set_option(
          websocket::stream_base::decorator([token, field](websocket::request_type& request) {
            const bool header = field == boost::beast::http::field::authorization;
            request.set(field, header ? "Bearer " + token : "rtcgate.events, bearer." + token);
          }));
    }
    websocket::response_type response;
    boost::beast::error_code error;
    ws_.handshake(response, "127.0.0.1", target, error);
    selected_ = std::string(response[boost::beast::http::field::sec_websocket_protocol]);
    return response.result_int();
  }
  // The subprotocol the server's 101 named.
  const std::string& selected() const { return selected_; }
  std::string read() {
    boost::beast::flat_buffer buffer;
    ws_.read(buffer);
    return boost::beast::buffers_to_string(buffer.data());
  }
  // The error the next read ends with (closed when the server said goodbye properly).
  boost::beast::error_code readError() {
    boost::beast::flat_buffer buffer;
    boost::beast::error_code error;
    ws_.read(buffer, error);
    return error;
  }
  websocket::stream<boost::asio::ip::tcp::socket>& ws() { return ws_; }

 private:
  boost::asio::io_context io_;
  websocket::stream<boost::asio::ip::tcp::socket> ws_{io_};
  std::string selected_;
};

// The status of an upgrade request sent by hand (a WebSocket client reports refusals as errors).
unsigned upgradeStatus(std::uint16_t port, const std::string& target,
                       const std::string& origin = {}, const std::string& subprotocols = {}) {
  namespace beast_http = boost::beast::http;
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  beast_http::request<beast_http::string_body> request{beast_http::verb::get, target, 11};
  request.set(beast_http::field::host, "127.0.0.1");
  request.set(beast_http::field::connection, "Upgrade");
  request.set(beast_http::field::upgrade, "websocket");
  request.set(beast_http::field::sec_websocket_version, "13");
  request.set(beast_http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  if (!origin.empty()) request.set(beast_http::field::origin, origin);
  if (!subprotocols.empty()) request.set(beast_http::field::sec_websocket_protocol, subprotocols);
  beast_http::write(socket, request);
  boost::beast::flat_buffer buffer;
  beast_http::response<beast_http::string_body> response;
  beast_http::read(socket, buffer, response);
  return response.result_int();
}

// Keeps the sessions the endpoint accepted, as the events hub does.
struct Accepted {
  std::vector<std::shared_ptr<WebSocketSession>> sessions;
  std::vector<RequestTarget> targets;
  int closed = 0;
};

void addEndpoint(AdminTestServer& server, Accepted& accepted) {
  server.server().addWebSocket(
      "/api/v1/events", "test stream",
      [&accepted](const std::shared_ptr<WebSocketSession>& session, const RequestTarget& target) {
        session->limitQueue(4, nullptr);
        session->onClosed([&accepted] { ++accepted.closed; });
        accepted.sessions.push_back(session);
        accepted.targets.push_back(target);
      });
}

SharedText text(std::string value) { return std::make_shared<const std::string>(std::move(value)); }

TEST(WebSocketEndpoint, DeliversTextFramesInOrderAndSeesTheQuery) {
  AdminTestServer server;
  Accepted accepted;
  addEndpoint(server, accepted);
  ASSERT_TRUE(server.start());
  Client client;
  ASSERT_EQ(client.connect(server.port(), "/api/v1/events?types=call.%2Cx"), 101u);
  server.onLoop([&] {
    ASSERT_EQ(accepted.sessions.size(), 1u);
    EXPECT_EQ(accepted.targets[0].query.at("types"), "call.,x");
    EXPECT_TRUE(accepted.sessions[0]->send(text("{\"n\":1}")));
    EXPECT_TRUE(accepted.sessions[0]->send(text("{\"n\":2}")));
  });
  EXPECT_EQ(client.read(), "{\"n\":1}");
  EXPECT_EQ(client.read(), "{\"n\":2}");
  EXPECT_TRUE(client.ws().got_text());
}

TEST(WebSocketEndpoint, PlainGetGets426AndUnknownUpgradeGets404) {
  AdminTestServer server;
  Accepted accepted;
  addEndpoint(server, accepted);
  ASSERT_TRUE(server.start());
  EXPECT_EQ(testing::request(server.port(), boost::beast::http::verb::get, "/api/v1/events").status,
            426u);
  EXPECT_EQ(upgradeStatus(server.port(), "/api/v1/nothing"), 404u);
  EXPECT_EQ(upgradeStatus(server.port(), "/api/v1/events"), 101u);
}

TEST(WebSocketEndpoint, TokenInHeaderOrSubprotocolNeverInTheUrl) {
  AdminTestServer server("s3cret");
  Accepted accepted;
  addEndpoint(server, accepted);
  ASSERT_TRUE(server.start());
  EXPECT_EQ(upgradeStatus(server.port(), "/api/v1/events"), 401u);
  EXPECT_EQ(upgradeStatus(server.port(), "/api/v1/events?token=guess"), 401u);
  EXPECT_EQ(upgradeStatus(server.port(), "/api/v1/events?token=s3cret"), 401u);
  Client header;
  EXPECT_EQ(header.connect(server.port(), "/api/v1/events", "s3cret"), 101u);
  Client subprotocol;
  EXPECT_EQ(subprotocol.connect(server.port(), "/api/v1/events", "s3cret",
                                boost::beast::http::field::sec_websocket_protocol),
            101u);
  EXPECT_EQ(subprotocol.selected(), "rtcgate.events");
  EXPECT_EQ(upgradeStatus(server.port(), "/api/v1/events", {}, "rtcgate.events, bearer.guess"),
            401u);
  server.onLoop([&] { EXPECT_EQ(accepted.sessions.size(), 2u); });
}

TEST(WebSocketEndpoint, ForeignOriginIsRefused) {
  AdminTestServer server;
  Accepted accepted;
  addEndpoint(server, accepted);
  ASSERT_TRUE(server.start());
  const std::string own = "http://127.0.0.1:" + std::to_string(server.port());
  EXPECT_EQ(upgradeStatus(server.port(), "/api/v1/events", "http://evil.example"), 403u);
  EXPECT_EQ(upgradeStatus(server.port(), "/api/v1/events", "null"), 403u);
  EXPECT_EQ(upgradeStatus(server.port(), "/api/v1/events", own), 101u);
}

TEST(WebSocketEndpoint, ClientCloseEndsTheSession) {
  AdminTestServer server;
  Accepted accepted;
  addEndpoint(server, accepted);
  ASSERT_TRUE(server.start());
  Client client;
  ASSERT_EQ(client.connect(server.port(), "/api/v1/events"), 101u);
  client.ws().close(websocket::close_code::normal);
  for (int i = 0; i < 200; ++i) {
    int closed = 0;
    server.onLoop([&] { closed = accepted.closed; });
    if (closed) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  server.onLoop([&] {
    EXPECT_EQ(accepted.closed, 1);
    EXPECT_FALSE(accepted.sessions[0]->isOpen());
    EXPECT_FALSE(accepted.sessions[0]->send(text("late")));
  });
}

TEST(WebSocketEndpoint, ServerStopSendsACloseFrame) {
  AdminTestServer server;
  Accepted accepted;
  addEndpoint(server, accepted);
  ASSERT_TRUE(server.start());
  Client client;
  ASSERT_EQ(client.connect(server.port(), "/api/v1/events"), 101u);
  server.onLoop([&] { server.server().stop(); });
  EXPECT_EQ(client.readError(), websocket::error::closed);
  EXPECT_EQ(client.ws().reason().code, websocket::close_code::going_away);
}

TEST(WebSocketEndpoint, ASlowReaderCostsABoundedQueue) {
  AdminTestServer server;
  Accepted accepted;
  addEndpoint(server, accepted);
  ASSERT_TRUE(server.start());
  Client client;
  ASSERT_EQ(client.connect(server.port(), "/api/v1/events"), 101u);
  // One frame goes to the socket at a time; with a queue of 4 the rest of 100 are dropped even
  // though nobody reads (the first write may be in flight, so allow for it).
  server.onLoop([&] {
    for (int i = 0; i < 100; ++i) accepted.sessions[0]->send(text(std::string(100000, 'x')));
    EXPECT_LE(accepted.sessions[0]->queue().size(), 4u);
    EXPECT_GE(accepted.sessions[0]->queue().dropped(), 95u);
  });
}

TEST(RequestTarget, SplitsAndDecodes) {
  const auto target = RequestTarget::parse("/a%20b?x=1&y=a+b&z=%2C&flag");
  ASSERT_TRUE(target);
  EXPECT_EQ(target->path, "/a b");
  EXPECT_EQ(target->query.at("x"), "1");
  EXPECT_EQ(target->query.at("y"), "a b");
  EXPECT_EQ(target->query.at("z"), ",");
  EXPECT_EQ(target->query.at("flag"), "");
  EXPECT_FALSE(RequestTarget::parse("/x?a=%2"));
  EXPECT_FALSE(RequestTarget::parse("/x%zz"));
}

}  // namespace
}  // namespace rtcgate::http
