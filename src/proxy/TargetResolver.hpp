#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "dns/SipServerLocator.hpp"
#include "proxy/LocalIdentity.hpp"
#include "sip/SipUri.hpp"
#include "sip/Transport.hpp"

namespace rtcgate::proxy {

// Turns a URI into where to send (RFC 3263): literal IPv4/IPv6 hosts and "localhost" at once;
// host names through DNS (NAPTR, SRV, A/AAAA) when a locator is set. The port or the transport's
// default, the transport parameter or the scheme's default. Never `.invalid` names (RFC 7118
// clients are reached over their flow instead).
class TargetResolver {
 public:
  struct Resolved {
    std::vector<sip::Flow> flows;  // in the order to try them; empty: unreachable
    int status = 0;                // when empty: 404 (no such name) or 503 (DNS failed)
    std::string why;
  };
  using Callback = std::function<void(Resolved)>;

  explicit TargetResolver(const LocalIdentity& identity) : identity_(identity) {}
  // Without one, names are unreachable ("DNS is not used").
  void setLocator(dns::SipServerLocator* locator) { locator_ = locator; }
  // Told the host name of every TLS destination found by name, and the name looked up, before
  // its flow is handed out: the transports send it as SNI and verify the server's certificate
  // against it.
  using ServerNameHint =
      std::function<void(const SocketAddress&, const std::string& host, const std::string& domain)>;
  void setServerNameHint(ServerNameHint hint) { serverNameHint_ = std::move(hint); }

  // A literal address's flow (connectionId 0: the transport finds or opens a connection), or
  // nullopt with why set -- for a name too: resolve it with the other form.
  std::optional<sip::Flow> resolve(const sip::SipUri& uri, const char*& why) const;
  // Whether `uri` is one resolve() above cannot place but DNS may.
  bool needsLookup(const sip::SipUri& uri) const;
  // Every flow the URI leads to; `done` runs inside this call when no query is needed.
  void resolve(const sip::SipUri& uri, Callback done) const;

  // What the locator can use: a listener for the transport and family.
  bool canSend(sip::Transport transport, bool v6) const;

 private:
  const LocalIdentity& identity_;
  dns::SipServerLocator* locator_ = nullptr;
  ServerNameHint serverNameHint_;
};

}  // namespace rtcgate::proxy
