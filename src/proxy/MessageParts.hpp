#pragma once

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

#include "sip/NameAddr.hpp"
#include "sip/SipMessage.hpp"

namespace rtcgate::proxy {

// Small readings of a message that the proxy's routing, media, dialog and originate code share.

// The methods we answer or forward (Allow of our own answers).
constexpr std::string_view kAllowedMethods =
    "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, INFO, UPDATE, PRACK, SUBSCRIBE, NOTIFY, REFER, "
    "MESSAGE";

// A user's address-of-record as the location service files it: the user part unescaped and
// case-kept (RFC 3261 19.1.4), the domain lower-cased.
inline std::string aorOf(std::string_view user, std::string_view domain) {
  std::string aor = sip::unescapeUriComponent(user);
  aor += '@';
  const auto domainStart = static_cast<std::ptrdiff_t>(aor.size());
  aor.append(domain);
  std::transform(aor.begin() + domainStart, aor.end(), aor.begin() + domainStart,
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return aor;
}

// An INVITE outside any dialog: it starts a call.
inline bool isInitialInvite(const sip::SipMessage& request) {
  return request.method() == sip::Method::Invite && request.toTag().empty();
}

// An SDP that puts the call on hold: its streams sendonly or inactive (RFC 3264 8.4).
inline bool offersHold(std::string_view sdp) {
  return sdp.find("a=sendonly") != std::string_view::npos ||
         sdp.find("a=inactive") != std::string_view::npos;
}

inline bool carriesSdp(const sip::SipMessage& message) {
  if (message.body().empty()) return false;
  const auto* type = message.find(sip::HeaderId::ContentType);
  return type == nullptr || type->value.find("sdp") != std::string_view::npos;
}

// The o= line of an SDP, empty when it has none. A party's SDP whose o= line (session id and
// version included) is what it was says nothing changed (RFC 3264 8).
inline std::string_view originLine(std::string_view sdp) {
  std::size_t start = sdp.starts_with("o=") ? 0 : sdp.find("\no=");
  if (start == std::string_view::npos) return {};
  if (start != 0) ++start;
  const auto end = sdp.find_first_of("\r\n", start);
  return sdp.substr(start, end == std::string_view::npos ? sdp.size() - start : end - start);
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
