#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "sip/Transport.hpp"

namespace rtcgate::proxy {

// Wall-clock seconds: binding expiry is persisted and must mean the same after a restart.
using WallSeconds = std::chrono::sys_seconds;

// A wall-clock time (Timers::wallNow()) to the second.
inline WallSeconds wallSeconds(std::chrono::system_clock::time_point time) {
  return std::chrono::time_point_cast<std::chrono::seconds>(time);
}

// One contact registered for an address-of-record (RFC 3261 10), with the flow it arrived on so
// the proxy can reach UAs behind NAT and browsers whose Contact host is "xyz.invalid" (RFC 7118):
// requests for the binding go to flow.remote (over flow.connectionId when reliable), not to the
// Contact host.
struct Binding {
  // RFC 5626 outbound was applied: the binding lives and dies with its flow, and requests must
  // use that flow only.
  static constexpr std::uint32_t kOutbound = 1u << 0;

  std::string key;         // identity inside the AOR, see keyFor()
  std::string contact;     // Contact URI, without header parameters
  std::uint16_t q = 1000;  // q-value x 1000
  WallSeconds expiresAt{};
  WallSeconds registeredAt{};  // last add or refresh
  std::string callId;
  std::uint32_t cseq = 0;
  std::string path;      // Path values, joined with ", " (RFC 3327): the route back to the UA
  std::string instance;  // +sip.instance, as written ("<urn:uuid:...>")
  std::uint32_t regId = 0;
  std::string userAgent;
  sip::Flow flow;
  std::uint32_t flags = 0;

  bool outbound() const { return (flags & kOutbound) != 0; }
  bool expired(WallSeconds now) const { return expiresAt <= now; }
  std::chrono::seconds remaining(WallSeconds now) const {
    return expired(now) ? std::chrono::seconds(0) : expiresAt - now;
  }

  // RFC 5626 6: a binding is identified by instance and reg-id when outbound applies, by the
  // instance alone when only +sip.instance is given (the same device re-registering with another
  // Contact replaces itself), and otherwise by the Contact URI (RFC 3261 10.3).
  static std::string keyFor(std::string_view contact, std::string_view instance,
                            std::uint32_t regId) {
    if (instance.empty()) return std::string(contact);
    std::string key(instance);
    if (regId != 0) key.append(";reg-id=").append(std::to_string(regId));
    return key;
  }
};

}  // namespace rtcgate::proxy
