#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/AddressRange.hpp"
#include "proxy/WeightedRotation.hpp"

namespace rtcgate::proxy {

// A SIP carrier or hosted PBX the gateway sends calls to and takes calls from (`trunks:`): the
// role of Asterisk's PJSIP trunk (endpoint, outbound_auth, registration, identify) and of
// Kamailio's uac module. Immutable once the proxy starts (trunks change with a restart).
struct Trunk {
  std::string name;
  // sip: URIs, tried in order (the next when one fails or is down); a host name is found
  // through DNS (RFC 3263). Never empty.
  std::vector<std::string> addresses;
  // When the addresses have weights: which goes first for each call; null: in order.
  std::shared_ptr<WeightedRotation> rotation;
  std::string username;
  std::string password;
  std::chrono::seconds registerExpires{0};  // 0: we do not register
  std::string fromUser;                     // caller id toward the trunk; empty: the caller's own
  std::vector<AddressRange> sources;        // who may send us calls as this trunk
  std::vector<std::pair<std::string, std::vector<std::string>>> dids;  // number -> local users
  std::chrono::seconds optionsPing{0};
  std::string mediaInterface;  // the relay interface of its calls' leg ("": the default)

  const std::string& address() const { return addresses.front(); }
  bool hasCredentials() const { return !username.empty(); }
  // The local users a call to `number` rings; nullptr when the trunk maps no such number.
  const std::vector<std::string>* usersFor(std::string_view number) const {
    for (const auto& [did, users] : dids) {
      if (did == number) return &users;
    }
    return nullptr;
  }
};

}  // namespace rtcgate::proxy
