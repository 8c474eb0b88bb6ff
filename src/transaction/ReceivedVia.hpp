#pragma once

#include "sip/SipMessage.hpp"
#include "sip/Transport.hpp"

namespace rtcgate::transaction {

// RFC 3261 18.2.1 and RFC 3581: a request's top Via gets received= when its sent-by is not where
// the request came from, and rport=<port> when the client asked for it, so responses find clients
// behind NAT. A rule of the receiving transport: SipIngress applies it before the transaction
// layer sees the request.
void markReceived(sip::SipMessage& request, const sip::Flow& flow);

}  // namespace rtcgate::transaction
