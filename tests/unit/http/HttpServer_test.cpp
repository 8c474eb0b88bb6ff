#include "http/HttpServer.hpp"

#include <gtest/gtest.h>

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "unit/http/AdminTestServer.hpp"
#include "unit/http/JsonCheck.hpp"
#include "unit/io/SocketOptions.hpp"

namespace rtcgate::http {
namespace {

using boost::beast::http::verb;
using testing::AdminTestServer;
using testing::JsonCheck;
using testing::request;

void addHello(HttpServer& server) {
  server.add("GET", "/hello/{name}", "greets", [](const HttpRequest& request) {
    return HttpReply{200, "text/plain", "hello " + request.params.at("name")};
  });
}

// Sends raw bytes and returns everything the server writes until it closes.
std::string rawExchange(std::uint16_t port, const std::string& bytes) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  boost::asio::write(socket, boost::asio::buffer(bytes));
  std::string received;
  boost::system::error_code error;
  boost::asio::read(socket, boost::asio::dynamic_buffer(received), error);
  return received;
}

TEST(HttpServerTest, ServesRoutesOnAnEphemeralLoopbackPort) {
  AdminTestServer test;
  addHello(test.server());
  ASSERT_TRUE(test.start());
  ASSERT_NE(test.port(), 0);

  const auto hello = request(test.port(), verb::get, "/hello/world");
  EXPECT_EQ(hello.status, 200u);
  EXPECT_EQ(hello.contentType, "text/plain");
  EXPECT_EQ(hello.body, "hello world");

  const auto missing = request(test.port(), verb::get, "/nope");
  EXPECT_EQ(missing.status, 404u);
  EXPECT_EQ(missing.contentType, "application/json");
  EXPECT_TRUE(JsonCheck::valid(missing.body)) << missing.body;

  const auto wrongMethod = request(test.port(), verb::post, "/hello/world");
  EXPECT_EQ(wrongMethod.status, 405u);
  EXPECT_TRUE(JsonCheck::valid(wrongMethod.body));
}

// Replies leave at once (TCP_NODELAY), not behind Nagle's wait for an ACK.
TEST(HttpServerTest, AcceptedSocketsSendWithoutDelay) {
  AdminTestServer test;
  ASSERT_TRUE(test.start());
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket client(io);
  client.connect({boost::asio::ip::make_address("127.0.0.1"), test.port()});
  EXPECT_EQ(io::testing::tcpNoDelayOf(client.remote_endpoint(), client.local_endpoint()), 1);
}

TEST(HttpServerTest, IndexListsRoutesWithHelp) {
  AdminTestServer test;
  addHello(test.server());
  ASSERT_TRUE(test.start());
  const auto index = request(test.port(), verb::get, "/api/v1/");
  EXPECT_EQ(index.status, 200u);
  EXPECT_TRUE(JsonCheck::valid(index.body)) << index.body;
  EXPECT_NE(index.body.find(R"({"method":"GET","path":"/hello/{name}","help":"greets"})"),
            std::string::npos)
      << index.body;
  EXPECT_NE(index.body.find(R"("path":"/api/v1/")"), std::string::npos);
}

TEST(HttpServerTest, TokenIsRequiredWhenConfigured) {
  AdminTestServer test("s3cret");
  addHello(test.server());
  ASSERT_TRUE(test.start());

  const auto anonymous = request(test.port(), verb::get, "/hello/x");
  EXPECT_EQ(anonymous.status, 401u);
  EXPECT_EQ(anonymous.wwwAuthenticate, "Bearer");
  EXPECT_TRUE(JsonCheck::valid(anonymous.body));
  EXPECT_EQ(request(test.port(), verb::get, "/hello/x", "wrong").status, 401u);
  EXPECT_EQ(request(test.port(), verb::get, "/hello/x", "s3cre").status, 401u);
  EXPECT_EQ(request(test.port(), verb::get, "/hello/x", "s3cret!").status, 401u);
  // Even unknown paths and the index answer 401 first, so nothing leaks without the token.
  EXPECT_EQ(request(test.port(), verb::get, "/nope").status, 401u);
  EXPECT_EQ(request(test.port(), verb::get, "/api/v1/").status, 401u);

  const auto authorized = request(test.port(), verb::get, "/hello/x", "s3cret");
  EXPECT_EQ(authorized.status, 200u);
  EXPECT_EQ(authorized.body, "hello x");
}

TEST(HttpServerTest, BearerSchemeIsCaseInsensitive) {
  boost::asio::io_context io;
  HttpServer server(io, *SocketAddress::parse("127.0.0.1", 0), "tok");
  addHello(server);
  EXPECT_EQ(server.handle("GET", "/hello/a", "bearer tok", "").status, 200u);
  EXPECT_EQ(server.handle("GET", "/hello/a", "BEARER tok", "").status, 200u);
  EXPECT_EQ(server.handle("GET", "/hello/a", "Basic tok", "").status, 401u);
  EXPECT_EQ(server.handle("GET", "/hello/a", "Bearer TOK", "").status, 401u);
  EXPECT_EQ(server.handle("GET", "/hello/a", "", "").status, 401u);
}

TEST(HttpServerTest, RefusesNonLoopbackWithoutToken) {
  boost::asio::io_context io;
  for (const char* host : {"0.0.0.0", "192.0.2.1", "::"}) {
    HttpServer server(io, *SocketAddress::parse(host, 0), "");
    const io::Status status = server.start();
    EXPECT_FALSE(status) << host;
    EXPECT_NE(status.error().find("without a bearer token"), std::string::npos) << status.error();
    EXPECT_EQ(server.port(), 0);
  }
}

TEST(HttpServerTest, AllowsAnyAddressWithToken) {
  AdminTestServer test("tok", "0.0.0.0");
  addHello(test.server());
  ASSERT_TRUE(test.start());
  EXPECT_EQ(request(test.port(), verb::get, "/hello/a", "tok").status, 200u);
}

TEST(HttpServerTest, ReportsBindFailures) {
  AdminTestServer first;
  ASSERT_TRUE(first.start());
  boost::asio::io_context io;
  HttpServer second(io, *SocketAddress::parse("127.0.0.1", first.port()), "");
  // SO_REUSEADDR does not allow two listeners on one port on Linux.
  const io::Status status = second.start();
  EXPECT_FALSE(status);
  EXPECT_NE(status.error().find("cannot listen on 127.0.0.1:"), std::string::npos)
      << status.error();
}

TEST(HttpServerTest, MalformedRequestGetsJson400AndClose) {
  AdminTestServer test;
  ASSERT_TRUE(test.start());
  const std::string reply = rawExchange(test.port(), "GARBAGE\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 400", 0), 0u) << reply;
  EXPECT_NE(reply.find(R"({"error":"malformed HTTP request"})"), std::string::npos) << reply;
}

TEST(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  AdminTestServer test;
  addHello(test.server());
  ASSERT_TRUE(test.start());
  const std::string reply =
      rawExchange(test.port(),
                  "GET /hello/one HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                  "GET /hello/two HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  EXPECT_NE(reply.find("hello one"), std::string::npos) << reply;
  EXPECT_NE(reply.find("hello two"), std::string::npos) << reply;
}

TEST(HttpServerTest, ClosesConnectionsBeyondTheLimit) {
  AdminTestServer test;
  addHello(test.server());
  test.server().setMaxConnections(2);
  ASSERT_TRUE(test.start());
  boost::asio::io_context io;
  const boost::asio::ip::tcp::endpoint endpoint(boost::asio::ip::make_address("127.0.0.1"),
                                                test.port());
  boost::asio::ip::tcp::socket idle1(io);
  boost::asio::ip::tcp::socket idle2(io);
  idle1.connect(endpoint);
  idle2.connect(endpoint);
  // Accepts are handled in order, so once this one is answered both idle ones are sessions.
  boost::asio::ip::tcp::socket third(io);
  third.connect(endpoint);
  std::string received;
  boost::system::error_code error;
  boost::asio::read(third, boost::asio::dynamic_buffer(received), error);
  EXPECT_EQ(received, "");
  EXPECT_TRUE(error == boost::asio::error::eof || error == boost::asio::error::connection_reset)
      << error.message();

  idle1.close();
  idle2.close();
  // The closed sessions are noticed and a new client is served again.
  bool served = false;
  for (int attempt = 0; attempt < 100 && !served; ++attempt) {
    served = rawExchange(test.port(), "GET /hello/x HTTP/1.1\r\nConnection: close\r\n\r\n")
                 .find("hello x") != std::string::npos;
    if (!served) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(served);
}

TEST(HttpServerTest, StopClosesTheListener) {
  AdminTestServer test;
  addHello(test.server());
  ASSERT_TRUE(test.start());
  const std::uint16_t port = test.port();
  EXPECT_EQ(request(port, verb::get, "/hello/a").status, 200u);
  test.onLoop([&] { test.server().stop(); });

  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  boost::system::error_code error;
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port}, error);
  EXPECT_EQ(error, boost::asio::error::connection_refused);
}

}  // namespace
}  // namespace rtcgate::http

namespace rtcgate::http {
namespace {

TEST(HttpServerDeferred, ALaterReplyLeavesWhenReadyAndTheLoopServesOthersMeanwhile) {
  testing::AdminTestServer test;
  addHello(test.server());
  HttpReply::Send pending;
  test.server().add("GET", "/slow", "answers when told", [&pending](const HttpRequest&) {
    return HttpReply::later([&pending](HttpReply::Send send) { pending = std::move(send); });
  });
  ASSERT_TRUE(test.start());
  std::future<testing::ClientReply> slow = std::async(std::launch::async, [&test] {
    return testing::request(test.port(), boost::beast::http::verb::get, "/slow");
  });
  // The slow request waits; another client is served in the meantime.
  bool waiting = false;
  for (int i = 0; i < 200 && !waiting; ++i) {
    test.onLoop([&] { waiting = static_cast<bool>(pending); });
    if (!waiting) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_TRUE(waiting);
  EXPECT_EQ(testing::request(test.port(), boost::beast::http::verb::get, "/hello/x").body,
            "hello x");
  EXPECT_EQ(slow.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
  test.onLoop([&] { pending(HttpReply::json("{\"late\":true}", 202)); });
  const auto reply = slow.get();
  EXPECT_EQ(reply.status, 202u);
  EXPECT_EQ(reply.body, "{\"late\":true}");
}

}  // namespace
}  // namespace rtcgate::http
