// libFuzzer target for SIP over WebSocket: the bytes are what a client sends after a valid
// upgrade, read as WebSocketConnection reads them (Beast's server-side websocket stream, our
// message size limit, asynchronous reads) over an in-memory stream instead of a socket; every
// message is classified as the connection does and SIP ones go to the SIP parser, as the proxy
// gets them.
#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "io/Connection.hpp"
#include "io/WebSocketMessage.hpp"
#include "sip/ErrorResponse.hpp"
#include "sip/SipMessage.hpp"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using namespace rtcgate;

void check(bool condition) {
  if (!condition) std::abort();
}

// What a browser's SIP client sends; the fuzzer's bytes follow it.
http::request<http::string_body> upgradeRequest() {
  http::request<http::string_body> request{http::verb::get, "/", 11};
  request.set(http::field::host, "127.0.0.1:8080");
  request.set(http::field::upgrade, "websocket");
  request.set(http::field::connection, "Upgrade");
  request.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  request.set(http::field::sec_websocket_version, "13");
  request.set(http::field::sec_websocket_protocol, "sip");
  return request;
}

void toSipParser(const std::string& message) {
  auto parsed = sip::SipMessage::parse(message);
  if (!parsed) {
    (void)sip::makeErrorResponse(message, sip::statusForParseError(parsed.error()), parsed.error(),
                                 "t");
    return;
  }
  check(sip::SipMessage::parse(parsed->serialize()).ok());
}

class Session {
 public:
  Session(boost::asio::io_context& io, std::string_view input) : ws_(io), peer_(io) {
    ws_.next_layer().connect(peer_);
    ws_.next_layer().append(beast::string_view(input.data(), input.size()));
    ws_.next_layer().close_remote();  // after the input, the client is gone
    ws_.read_message_max(io::ConnectionLimits{}.maxMessageSize);
  }

  void start() {
    ws_.async_accept(upgradeRequest(), [this](beast::error_code error) {
      check(!error);  // the handshake is ours and valid
      read();
    });
  }

 private:
  void read() {
    ws_.async_read(frame_, [this](beast::error_code error, std::size_t) {
      if (error) return;
      const std::string message = beast::buffers_to_string(frame_.data());
      frame_.consume(frame_.size());
      check(message.size() <= io::ConnectionLimits{}.maxMessageSize);
      if (io::classifyWebSocketMessage(message) == io::WebSocketMessageKind::Sip) {
        toSipParser(message);
      }
      read();
    });
  }

  websocket::stream<beast::test::stream> ws_;
  beast::test::stream peer_;  // the client's end: takes the 101, pongs and close frames
  beast::flat_buffer frame_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  boost::asio::io_context io;
  Session session(io, std::string_view(reinterpret_cast<const char*>(data), size));
  session.start();
  io.run();
  return 0;
}
