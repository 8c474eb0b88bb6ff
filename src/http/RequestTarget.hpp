#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace rtcgate::http {

// Percent-decoding (RFC 3986 2.1); '+' is a space only where plusIsSpace (query strings, form
// encoding). nullopt on a malformed escape.
std::optional<std::string> percentDecode(std::string_view text, bool plusIsSpace);
// "a=1&b=%20" -> {a: "1", b: " "}; later keys win; nullopt on a malformed escape.
std::optional<std::map<std::string, std::string>> parseQuery(std::string_view query);

// A request target split into its percent-decoded path and query parameters, for the endpoints
// that are not dispatched through the Router (WebSocket upgrades).
struct RequestTarget {
  std::string path;
  std::map<std::string, std::string> query;

  // nullopt on a malformed percent escape.
  static std::optional<RequestTarget> parse(std::string_view target);
};

}  // namespace rtcgate::http
