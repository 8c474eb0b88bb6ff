#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/SocketAddress.hpp"
#include "sip/SipUri.hpp"
#include "sip/Transport.hpp"

namespace rtcgate::proxy {

// One SIP listener as the proxy writes it into Via, Record-Route and Path headers.
struct LocalListener {
  sip::Transport transport = sip::Transport::Udp;
  SocketAddress address;       // the bound socket
  std::string advertisedHost;  // sip.advertise, or the bound address
};

// Who "we" are: the domains we serve and the addresses we listen on. Decides whether a URI names
// this proxy (a Route to pop, an OPTIONS ping to answer) or a local user (a location lookup).
class LocalIdentity {
 public:
  LocalIdentity(std::vector<std::string> domains, std::vector<LocalListener> listeners);

  bool isLocalDomain(std::string_view host) const;
  // The URI's host:port is one of our listeners (or an advertised address of one).
  bool isOurAddress(const sip::SipUri& uri) const;
  bool isOurAddress(std::string_view host, std::uint16_t port) const;
  // Whether the host is one of our listeners' addresses or advertised names, on any port.
  bool isOurHost(std::string_view host) const;
  // A domain to file a user under when the Request-URI names us by address ("alice@127.0.0.1").
  const std::string& defaultDomain() const { return domains_.front(); }
  // The listener to send from (and to name in Via/Record-Route) for a transport and address
  // family; nullptr when we have none (an IPv6 peer cannot be reached from an IPv4 socket).
  const LocalListener* listenerFor(sip::Transport transport, bool v6) const;
  // "host:port" of a listener as written in Via and Record-Route.
  static std::string hostPort(const LocalListener& listener);
  // "host:port" of the listener a message toward `out` leaves from.
  std::string hostPortToward(const sip::Flow& out) const;
  // Our Via toward `out` ("SIP/2.0/UDP host:port;branch=...") and the Contact of our own user
  // agent there (calls we place, re-INVITEs we send): both name the listener that sends.
  std::string via(const sip::Flow& out, std::string_view branch) const;
  std::string contact(const sip::Flow& out) const;
  const std::vector<LocalListener>& listeners() const { return listeners_; }

 private:
  std::vector<std::string> domains_;
  std::vector<LocalListener> listeners_;
};

}  // namespace rtcgate::proxy
