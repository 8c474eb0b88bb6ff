#pragma once

#include <string>
#include <string_view>

#include "sip/NameAddr.hpp"
#include "sip/SipMessage.hpp"

namespace rtcgate::proxy {

// Small readings of a message that the proxy's media, dialog and originate code share.

inline bool carriesSdp(const sip::SipMessage& message) {
  if (message.body().empty()) return false;
  const auto* type = message.find(sip::HeaderId::ContentType);
  return type == nullptr || type->value.find("sdp") != std::string_view::npos;
}

// The URI of a name-addr header (From, To, Contact), or the raw value when it does not parse.
inline std::string uriOf(const sip::Header* header) {
  if (header == nullptr) return {};
  const auto parsed = sip::parseNameAddr(header->value);
  return parsed ? std::string(parsed->uriText) : std::string(header->value);
}

// The remote target a request or response sets (RFC 3261 12.1), empty without a Contact.
inline std::string contactUri(const sip::SipMessage& message) {
  const auto* contact = message.find(sip::HeaderId::Contact);
  if (contact == nullptr) return {};
  const auto parsed = sip::parseNameAddr(contact->value);
  return parsed ? std::string(parsed->uriText) : std::string();
}

}  // namespace rtcgate::proxy
