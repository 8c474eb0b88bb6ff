#pragma once

#include <string>

#include "sip/SipMessage.hpp"

namespace rtcgate::transaction {

// The two requests the transaction layer writes itself, from the request it sent: the ACK for a
// non-2xx final response to an INVITE (RFC 3261 17.1.1.3) and the CANCEL of an INVITE (9.1).
// Both copy Request-URI, Call-ID, From, the CSeq number, the single top Via (so they follow the
// INVITE's hop and, for CANCEL, share its branch) and the Route set; they differ in the To header.
class HopByHopRequest {
 public:
  // To is taken from `response` (it carries the tag of the UAS that rejected the INVITE).
  static std::string ack(const sip::SipMessage& invite, const sip::SipMessage& response);
  // To is the INVITE's own, as sent.
  static std::string cancel(const sip::SipMessage& invite);

 private:
  static std::string build(const sip::SipMessage& invite, std::string_view method,
                           std::string_view to);
};

}  // namespace rtcgate::transaction
