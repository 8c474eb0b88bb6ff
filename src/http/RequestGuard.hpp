#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/SocketAddress.hpp"
#include "http/Router.hpp"

namespace rtcgate::http {

// The request headers the management plane's checks read.
struct RequestHeaders {
  std::string_view host;
  std::string_view origin;
  std::string_view contentType;
  std::string_view authorization;
  std::string_view webSocketProtocol;
};

// Keeps the management API out of reach of web pages, which can make a browser send requests to
// it (it is often on the operator's own machine, on loopback):
// - Host must be one of the allowed hosts, so a page served under the attacker's name that the
//   attacker re-points to our address (DNS rebinding) is refused;
// - Origin, when present, must be http(s)://<an allowed host>: a cross-origin fetch is refused
//   before it acts (tools such as curl and `rtcgate ctl` send none);
// - state-changing methods need Content-Type: application/json, which an HTML form cannot send
//   and a cross-origin fetch cannot send without a CORS preflight we never grant.
// Refusals are counted by reason.
class RequestGuard {
 public:
  struct Refusals {
    std::uint64_t host = 0;
    std::uint64_t origin = 0;
    std::uint64_t contentType = 0;
  };

  // Entries are "name" (any port) or "name:port", as in Host headers ("[::1]:8088").
  void allowHosts(std::vector<std::string> hosts);
  // The hosts allowed when none are configured: the listen address with and without the port
  // (unless it is a wildcard), and localhost, 127.0.0.1 and [::1] with the port.
  static std::vector<std::string> defaultHosts(const SocketAddress& listen, std::uint16_t port);
  const std::vector<std::string>& allowedHosts() const { return hosts_; }

  // The reply refusing the request (403, 415), or nullopt when it may proceed.
  std::optional<HttpReply> refuse(std::string_view method, const RequestHeaders& headers);
  const Refusals& refusals() const { return refusals_; }

 private:
  bool hostAllowed(std::string_view hostPort) const;

  std::vector<std::string> hosts_;
  Refusals refusals_;
};

}  // namespace rtcgate::http
