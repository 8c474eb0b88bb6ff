#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "proxy/LocationService.hpp"
#include "sip/SipMessage.hpp"
#include "sip/Transport.hpp"

namespace rtcgate::proxy {

struct RegistrarOptions {
  std::chrono::seconds minExpires{60};        // shorter (but not 0) -> 423 with Min-Expires
  std::chrono::seconds maxExpires{3600};      // longer -> granted this much
  std::chrono::seconds defaultExpires{3600};  // neither Expires header nor expires param
  // Bindings per AOR. When a REGISTER would exceed it, the least recently refreshed bindings of
  // the AOR are dropped to make room (a browser that reloads leaves its old, unreachable
  // binding behind: evicting beats locking the user out). A single REGISTER carrying more
  // contacts than this is refused with 403.
  std::size_t maxContacts = 16;
};

// The registrar (RFC 3261 10.3) for REGISTERs the proxy has already authenticated, with Path
// (RFC 3327) and SIP Outbound (RFC 5626). I/O-free: the request and its flow go in, the response
// comes out, and bindings are written to the LocationService.
//
// Policy notes:
// - Path is always accepted, stored with the binding and echoed in the 200 (whether or not the
//   UA said Supported: path; refusing would only break registrations through edge proxies).
// - Outbound applies to a Contact with +sip.instance and reg-id when we are the first hop (no
//   Path) or the first Path URI carries ;ob. The binding is then bound to the flow, identified
//   by instance + reg-id (one binding per flow; a new REGISTER for the same pair replaces the
//   old flow) and the 200 carries Require: outbound. A reg-id behind an edge without ;ob gets
//   439; reg-id without +sip.instance is ignored, as RFC 5626 6 says.
// - Every binding keeps its flow (transport, addresses, connection id) so the proxy can reach
//   UAs behind NAT and "xyz.invalid" WebSocket contacts over the flow they registered on.
class Registrar {
 public:
  explicit Registrar(LocationService& location) : Registrar(location, RegistrarOptions{}) {}
  Registrar(LocationService& location, RegistrarOptions options)
      : location_(location), options_(options) {}

  // aor is the canonical address-of-record key ("alice@example.test") the proxy derived from the
  // To header after authentication.
  sip::SipMessage handle(const sip::SipMessage& request, const sip::Flow& flow,
                         std::string_view aor, WallSeconds now);

  const RegistrarOptions& options() const { return options_; }

 private:
  LocationService& location_;
  RegistrarOptions options_;
};

}  // namespace rtcgate::proxy
