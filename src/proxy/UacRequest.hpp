#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sip/SipMessage.hpp"
#include "sip/Transport.hpp"

namespace rtcgate::proxy {

// A request the proxy sends as a user agent (our own INVITEs, ACKs, BYEs and re-INVITEs), Via
// included, written out whole.
struct UacRequest {
  std::string_view method;
  std::string_view uri;
  const std::vector<std::string>* routes = nullptr;
  std::string_view from;
  std::string_view to;
  std::string_view callId;
  std::uint32_t cseq = 1;
  std::string_view via;
  std::string_view extraHeaders;  // whole lines, CRLF-terminated
  std::string_view body;          // an SDP, or what contentType names
  std::string_view contentType = "application/sdp";

  std::string write() const;
};

// UDP requests go to the address; only connections are pinned to their id.
sip::Flow sendingFlow(sip::Flow flow);

// The route set a UAC learns from the Record-Route of a 2xx: in reverse (RFC 3261 12.1.2).
std::vector<std::string> uacRouteSet(const sip::SipMessage& response);

}  // namespace rtcgate::proxy
