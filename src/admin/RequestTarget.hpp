#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace rtcgate::admin {

// A request target split into its percent-decoded path and query parameters, for the endpoints
// that are not dispatched through the Router (WebSocket upgrades).
struct RequestTarget {
  std::string path;
  std::map<std::string, std::string> query;

  // nullopt on a malformed percent escape.
  static std::optional<RequestTarget> parse(std::string_view target);
};

}  // namespace rtcgate::admin
