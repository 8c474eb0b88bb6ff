#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "http/JsonValue.hpp"

namespace rtcgate::ctl {

// Where the management API listens, from a URL such as "http://127.0.0.1:8088" (scheme and a
// trailing '/' optional; IPv6 as "http://[::1]:8088"; port 80 when none is given).
struct ApiEndpoint {
  std::string host;
  std::uint16_t port = 8088;
  std::string url;  // normalised "http://host:port", for messages

  static std::optional<ApiEndpoint> parse(std::string_view url, std::string& why);
  // The URL that reaches an http.listen address from this machine: a wildcard listen address
  // (0.0.0.0, ::) is reached over loopback.
  static std::optional<ApiEndpoint> fromListen(std::string_view listen, std::string& why);
};

// The answer to one API call: either `error` (already worded for the operator: unreachable,
// token needed, the server's own error message) or a 2xx status with its body parsed.
struct ApiOutcome {
  unsigned status = 0;   // 0 when no HTTP answer arrived
  std::string body;      // raw, as received
  http::JsonValue json;  // body parsed (null when not JSON)
  std::string error;     // empty on success

  bool ok() const { return error.empty(); }
};

// A blocking client of the management API (docs/API.md) for `rtcgate ctl`: one connection per
// request, Boost.Beast over a private io_context, every step bounded by the timeout.
class ApiClient {
 public:
  ApiClient(ApiEndpoint endpoint, std::string token,
            std::chrono::milliseconds timeout = std::chrono::seconds(10));

  ApiOutcome get(std::string_view target) const { return call("GET", target, {}); }
  ApiOutcome del(std::string_view target) const { return call("DELETE", target, {}); }
  ApiOutcome post(std::string_view target, std::string body) const {
    return call("POST", target, std::move(body));
  }
  // method: GET, POST, DELETE; target: "/api/v1/..." (already percent-encoded).
  ApiOutcome call(std::string_view method, std::string_view target, std::string body) const;

  const ApiEndpoint& endpoint() const { return endpoint_; }

  // Words an HTTP answer for the operator; public so tests can pin every case without a server.
  // tokenGiven: whether a token was sent (a 401 then means it is wrong, not missing).
  static std::string errorFor(unsigned status, const http::JsonValue& json, bool tokenGiven);
  // Percent-encodes one path segment (a call id, an AoR) so '/', '@' and spaces survive.
  static std::string encodeSegment(std::string_view segment);

 private:
  ApiEndpoint endpoint_;
  std::string token_;
  std::chrono::milliseconds timeout_;
};

}  // namespace rtcgate::ctl
