// libFuzzer target for the management API's HTTP side: the bytes are what a client sends on one
// connection. They are read as HttpSession reads them (Beast's request parser, our header and
// body limits, keep-alive), and every request goes where the session sends it: a WebSocket
// upgrade to HttpServer::refuseUpgrade, anything else through HttpServer::handle (RequestGuard,
// BearerToken, Router, the route handlers of the running gateway, tests/fakes/ManagementRig.hpp).
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string_view>

#include "events/EventHub.hpp"
#include "fakes/ManagementRig.hpp"
#include "http/HttpSession.hpp"
#include "http/RequestTarget.hpp"

namespace {

namespace beast = boost::beast;
namespace beast_http = beast::http;
using rtcgate::http::HttpReply;
using rtcgate::http::HttpSession;

// The token and hosts the seeds use, so that the fuzzer starts past the 401 and 403 refusals.
rtcgate::app::Config rigConfig() {
  rtcgate::app::Config config;
  config.http.token = "fuzz-token";
  config.http.allowedHosts = {"gw.example.com", "127.0.0.1:8088"};
  return config;
}

std::string_view toStd(beast::string_view view) { return {view.data(), view.size()}; }

void check(bool condition) {
  if (!condition) std::abort();
}

class Target {
 public:
  Target() { spdlog::set_level(spdlog::level::off); }

  void run(std::string_view input) {
    boost::asio::io_context io;
    beast::test::stream connection(io);
    connection.append(beast::string_view(input.data(), input.size()));
    connection.close_remote();  // the client sent all it will: reads end with end_of_stream
    beast::flat_buffer buffer;
    bool keepAlive = true;
    while (keepAlive) keepAlive = serveOne(connection, buffer);
  }

 private:
  // One request off the connection, answered; whether the session would read another.
  bool serveOne(beast::test::stream& connection, beast::flat_buffer& buffer) {
    HttpSession::Parser parser;
    HttpSession::limit(parser);
    beast::error_code error;
    beast_http::read(connection, buffer, parser, error);
    if (error) return false;
    auto& request = parser.get();
    const auto target = toStd(request.target());
    const auto headers = HttpSession::headersOf(request);
    if (beast::websocket::is_upgrade(request)) {
      const auto refusal = rig().server().refuseUpgrade(target, headers);
      if (!refusal) {
        // What the events endpoint's handler reads of an accepted upgrade; the socket would then
        // be the WebSocket's for good (fuzz/io/WebSocketFrames covers Beast's frame reading).
        const auto parsed = rtcgate::http::RequestTarget::parse(target);
        check(parsed.has_value());
        if (const auto types = parsed->query.find("types"); types != parsed->query.end()) {
          (void)rtcgate::events::EventHub::parseTypeFilter(types->second);
        }
        return false;
      }
      return answered(*refusal) && request.keep_alive();
    }
    HttpReply reply =
        rig().server().handle(toStd(request.method_string()), target, headers, request.body());
    if (reply.deferred) reply.deferred([](HttpReply later) { check(answered(later)); });
    // A call that was placed changes the gateway; the next input gets a fresh one.
    if (reply.status == 201) rig_.reset();
    return answered(reply) && request.keep_alive();
  }

  static bool answered(const HttpReply& reply) {
    check(reply.status >= 200 && reply.status < 600);
    return true;
  }

  rtcgate::testing::ManagementRig& rig() {
    if (!rig_) rig_.emplace(rigConfig());
    return *rig_;
  }

  std::optional<rtcgate::testing::ManagementRig> rig_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Target target;
  target.run(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
