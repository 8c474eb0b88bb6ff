#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "base/Result.hpp"
#include "sip/Parameters.hpp"

namespace rtcgate::sip {

// One Via element: "SIP/2.0/UDP host:port;branch=z9hG4bK...;rport".
struct Via {
  std::string_view protocol;   // "SIP/2.0/UDP" as written
  std::string_view transport;  // "UDP", "TCP", "TLS", "WS", "WSS", ... as written
  std::string_view host;       // IPv6 with brackets
  std::uint16_t port = 0;      // 0 when absent
  Parameters params;

  std::string_view branch() const { return params.get("branch").value_or(""); }
  std::string_view received() const { return params.get("received").value_or(""); }
  bool hasRport() const { return params.has("rport"); }
  // RFC 3261 magic cookie present: branch starts with "z9hG4bK".
  bool rfc3261Branch() const;
};

Result<Via> parseVia(std::string_view text);

}  // namespace rtcgate::sip
