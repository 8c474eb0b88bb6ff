#include "ctl/ApiClient.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include "base/HostPort.hpp"
#include "base/SocketAddress.hpp"
#include "base/Version.hpp"

namespace rtcgate::ctl {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace beast_http = beast::http;
using boost::system::error_code;

namespace {

constexpr std::size_t kMaxReplyBytes = 64 * 1024 * 1024;

std::string hostForUrl(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

// "host:port", "[v6]:port", "host" -> host and port (port left alone when absent; 0 refused).
bool splitHostPort(std::string_view text, std::string& host, std::uint16_t& port,
                   bool portRequired) {
  const auto address = HostPort::parse(text);
  if (!address || (portRequired && !address->port) || address->port == 0) return false;
  host = address->host;
  if (address->port) port = *address->port;
  return true;
}

}  // namespace

std::optional<ApiEndpoint> ApiEndpoint::parse(std::string_view url, std::string& why) {
  std::string_view rest = url;
  const auto scheme = rest.find("://");
  if (scheme != std::string_view::npos) {
    if (rest.substr(0, scheme) != "http") {
      why = "only http:// is supported (the management API serves plain HTTP), got '" +
            std::string(url) + "'";
      return std::nullopt;
    }
    rest.remove_prefix(scheme + 3);
  }
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  ApiEndpoint endpoint;
  endpoint.port = 80;
  if (rest.find('/') != std::string_view::npos ||
      !splitHostPort(rest, endpoint.host, endpoint.port, false)) {
    why = "expected http://HOST:PORT, got '" + std::string(url) + "'";
    return std::nullopt;
  }
  endpoint.url = "http://" + hostForUrl(endpoint.host) + ":" + std::to_string(endpoint.port);
  return endpoint;
}

std::optional<ApiEndpoint> ApiEndpoint::fromListen(std::string_view listen, std::string& why) {
  ApiEndpoint endpoint;
  if (!splitHostPort(listen, endpoint.host, endpoint.port, true)) {
    why = "http.listen: expected IP:PORT, got '" + std::string(listen) + "'";
    return std::nullopt;
  }
  if (endpoint.host == "0.0.0.0") endpoint.host = "127.0.0.1";
  if (endpoint.host == "::") endpoint.host = "::1";
  endpoint.url = "http://" + hostForUrl(endpoint.host) + ":" + std::to_string(endpoint.port);
  return endpoint;
}

ApiClient::ApiClient(ApiEndpoint endpoint, std::string token, std::chrono::milliseconds timeout)
    : endpoint_(std::move(endpoint)), token_(std::move(token)), timeout_(timeout) {}

std::string ApiClient::encodeSegment(std::string_view segment) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : segment) {
    const auto byte = static_cast<unsigned char>(c);
    const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(c);
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    }
  }
  return out;
}

std::string ApiClient::errorFor(unsigned status, const http::JsonValue& json, bool tokenGiven) {
  if (status == 401) {
    return tokenGiven ? "the API refused the token (check --token or RTCGATE_TOKEN)"
                      : "the API needs a token (--token or RTCGATE_TOKEN)";
  }
  const std::string& message = json["error"].asString();
  if (!message.empty()) return message;
  return "the management API answered HTTP " + std::to_string(status);
}

ApiOutcome ApiClient::call(std::string_view method, std::string_view target,
                           std::string body) const {
  ApiOutcome outcome;
  const auto unreachable = [&](const error_code& error) {
    if (error == asio::error::connection_refused) {
      outcome.error =
          "cannot reach the management API at " + endpoint_.url + ": is rtcgate run running?";
    } else if (error == beast::error::timeout) {
      outcome.error = "the management API at " + endpoint_.url + " did not answer within " +
                      std::to_string(timeout_.count()) + " ms";
    } else {
      outcome.error =
          "cannot reach the management API at " + endpoint_.url + ": " + error.message();
    }
    return outcome;
  };

  // Asynchronous operations on a private context: Beast applies the timeout only to those.
  asio::io_context io;
  beast::tcp_stream stream(io);
  error_code error;
  const auto runStep = [&] {
    io.restart();
    io.run();
  };

  asio::ip::tcp::resolver resolver(io);
  const auto endpoints = resolver.resolve(endpoint_.host, std::to_string(endpoint_.port), error);
  if (error) return unreachable(error);
  stream.expires_after(timeout_);
  stream.async_connect(endpoints, [&](const error_code& ec, const auto&) { error = ec; });
  runStep();
  if (error) return unreachable(error);

  beast_http::request<beast_http::string_body> request{
      beast_http::string_to_verb(beast::string_view(method.data(), method.size())),
      beast::string_view(target.data(), target.size()), 11};
  request.set(beast_http::field::host,
              hostForUrl(endpoint_.host) + ":" + std::to_string(endpoint_.port));
  request.set(beast_http::field::user_agent, std::string("rtcgate-ctl/") + kVersion);
  request.set(beast_http::field::accept, "application/json");
  if (!token_.empty()) request.set(beast_http::field::authorization, "Bearer " + token_);
  // The API refuses state-changing requests of any other type (what HTML forms send).
  if (!body.empty() || method != "GET") {
    request.set(beast_http::field::content_type, "application/json");
  }
  request.body() = std::move(body);
  request.prepare_payload();
  stream.expires_after(timeout_);
  beast_http::async_write(stream, request, [&](const error_code& ec, std::size_t) { error = ec; });
  runStep();
  if (error) return unreachable(error);

  beast::flat_buffer buffer;
  beast_http::response_parser<beast_http::string_body> parser;
  parser.body_limit(kMaxReplyBytes);
  stream.expires_after(timeout_);
  beast_http::async_read(stream, buffer, parser,
                         [&](const error_code& ec, std::size_t) { error = ec; });
  runStep();
  if (error) return unreachable(error);
  error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);

  auto response = parser.release();
  outcome.status = response.result_int();
  outcome.body = std::move(response.body());
  auto parsed = http::JsonValue::parse(outcome.body);
  if (parsed) outcome.json = std::move(*parsed);
  if (outcome.status < 200 || outcome.status > 299) {
    outcome.error = errorFor(outcome.status, outcome.json, !token_.empty());
  } else if (!parsed &&
             std::string(response[beast_http::field::content_type]).rfind("application/json", 0) ==
                 0) {
    outcome.error =
        std::string("the management API answered with invalid JSON (") + parsed.error() + ")";
  }
  return outcome;
}

}  // namespace rtcgate::ctl
