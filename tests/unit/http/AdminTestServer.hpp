#pragma once

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "http/HttpServer.hpp"

namespace rtcgate::http::testing {

struct ClientReply {
  unsigned status = 0;
  std::string contentType;
  std::string wwwAuthenticate;
  std::string body;
};

// A blocking Beast client, one request per connection.
inline ClientReply request(std::uint16_t port, boost::beast::http::verb method,
                           const std::string& target, const std::string& token = {}) {
  namespace beast_http = boost::beast::http;
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  beast_http::request<beast_http::string_body> req{method, target, 11};
  req.set(beast_http::field::host, "127.0.0.1:" + std::to_string(port));
  if (!token.empty()) req.set(beast_http::field::authorization, "Bearer " + token);
  // As every client of the API must: state-changing requests are JSON.
  if (method != beast_http::verb::get) req.set(beast_http::field::content_type, "application/json");
  req.prepare_payload();
  beast_http::write(socket, req);
  boost::beast::flat_buffer buffer;
  beast_http::response<beast_http::string_body> res;
  beast_http::read(socket, buffer, res);
  return ClientReply{res.result_int(), std::string(res[beast_http::field::content_type]),
                     std::string(res[beast_http::field::www_authenticate]), res.body()};
}

// An HttpServer on 127.0.0.1:0 whose io_context runs on its own thread; setup runs on the loop
// thread before start() so handlers are registered the way the gateway will do it.
class AdminTestServer {
 public:
  explicit AdminTestServer(std::string token = {}, std::string host = "127.0.0.1")
      : server_(io_, *SocketAddress::parse(host, 0), std::move(token)) {}

  ~AdminTestServer() {
    boost::asio::post(io_, [this] {
      server_.stop();
      work_.reset();
    });
    if (thread_.joinable()) thread_.join();
  }

  HttpServer& server() { return server_; }

  io::Status start() {
    io::Status status = server_.start();
    if (status) thread_ = std::thread([this] { io_.run(); });
    return status;
  }

  std::uint16_t port() const { return server_.port(); }

  // Runs `work` on the loop thread and waits for it.
  void onLoop(const std::function<void()>& work) {
    std::promise<void> done;
    boost::asio::post(io_, [&] {
      work();
      done.set_value();
    });
    done.get_future().wait();
  }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ =
      boost::asio::make_work_guard(io_);
  HttpServer server_;
  std::thread thread_;
};

}  // namespace rtcgate::http::testing
