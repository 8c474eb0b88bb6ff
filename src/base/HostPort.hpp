#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/Result.hpp"

namespace rtcgate {

// The host and optional port of an address as operators write it in configuration and on the
// command line: "192.0.2.1:5060", "[2001:db8::1]:5060", "sip.example.com:5060", "192.0.2.1",
// "[2001:db8::1]", a bare "2001:db8::1" (taken as a host: its last group cannot be told from a
// port). Split only: no name resolution, and the host may be a name. The one parser behind
// listen addresses, relay URLs, the management API's address, the ctl client's URL and webhook
// URLs.
struct HostPort {
  std::string host;  // without IPv6 brackets
  std::optional<std::uint16_t> port;

  static Result<HostPort> parse(std::string_view text);
};

// "udp://192.0.2.1:22222" -> {"udp", "192.0.2.1:22222"}; nullopt when there is no "://".
struct UrlScheme {
  std::string_view scheme;
  std::string_view rest;

  static std::optional<UrlScheme> split(std::string_view url);
};

}  // namespace rtcgate
