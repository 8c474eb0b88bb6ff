#pragma once

#include "proxy/Trunk.hpp"
#include "sip/SipMessage.hpp"

namespace rtcgate::proxy {

// Toward a trunk the caller is the trunk's own number (`from_user`) at the trunk's domain, in From
// (its tag kept) and in P-Asserted-Identity (RFC 3325: the trunk trusts us for it); the caller's
// own PAI / PPI, if any, is not passed on. Nothing changes for a trunk without `from_user`. Both
// the calls the proxy forwards to a trunk and those it places there itself (the API) go through
// here.
void presentTrunkCaller(sip::SipMessage& request, const Trunk& trunk);

}  // namespace rtcgate::proxy
