#pragma once

#include <optional>

#include "proxy/LocalIdentity.hpp"
#include "sip/SipUri.hpp"
#include "sip/Transport.hpp"

namespace rtcgate::proxy {

// Turns a URI into where to send (RFC 3263 without DNS): literal IPv4/IPv6 hosts and "localhost",
// the port or the transport's default, the transport parameter or the scheme's default. Names are
// not resolved -- never `.invalid` ones (RFC 7118 clients are reached over their flow instead).
class TargetResolver {
 public:
  explicit TargetResolver(const LocalIdentity& identity) : identity_(identity) {}

  // The flow to send on (connectionId 0: the transport finds or opens a connection), or nullopt
  // with why set.
  std::optional<sip::Flow> resolve(const sip::SipUri& uri, const char*& why) const;

 private:
  const LocalIdentity& identity_;
};

}  // namespace rtcgate::proxy
