#include "proxy/LocalIdentity.hpp"

#include <strings.h>

namespace rtcgate::proxy {

namespace {

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

std::uint16_t defaultPort(sip::Transport transport) {
  return sip::isSecure(transport) ? 5061 : 5060;
}

}  // namespace

LocalIdentity::LocalIdentity(std::vector<std::string> domains, std::vector<LocalListener> listeners)
    : domains_(std::move(domains)), listeners_(std::move(listeners)) {
  if (domains_.empty()) domains_.push_back("localhost");
}

bool LocalIdentity::isLocalDomain(std::string_view host) const {
  for (const auto& domain : domains_) {
    if (equalsIgnoreCase(domain, host)) return true;
  }
  return false;
}

bool LocalIdentity::isOurAddress(std::string_view host, std::uint16_t port) const {
  const auto address = SocketAddress::parse(host, port);
  for (const auto& listener : listeners_) {
    const auto expected = port == 0 ? defaultPort(listener.transport) : port;
    if (listener.address.port() != expected) continue;
    if (address && address->sameHost(listener.address)) return true;
    if (equalsIgnoreCase(host, listener.advertisedHost)) return true;
  }
  return false;
}

bool LocalIdentity::isOurHost(std::string_view host) const {
  const auto address = SocketAddress::parse(host, 0);
  for (const auto& listener : listeners_) {
    if (address && address->sameHost(listener.address)) return true;
    if (equalsIgnoreCase(host, listener.advertisedHost)) return true;
  }
  return false;
}

bool LocalIdentity::isOurAddress(const sip::SipUri& uri) const {
  return isOurAddress(uri.hostNoBrackets(), uri.port);
}

const LocalListener* LocalIdentity::listenerFor(sip::Transport transport, bool v6) const {
  for (const auto& listener : listeners_) {
    if (listener.transport == transport && listener.address.isV6() == v6) return &listener;
  }
  return nullptr;
}

std::string LocalIdentity::hostPort(const LocalListener& listener) {
  const bool bracket = listener.advertisedHost.find(':') != std::string::npos;
  std::string out = bracket ? "[" + listener.advertisedHost + "]" : listener.advertisedHost;
  return out + ":" + std::to_string(listener.address.port());
}

// The socket's own address when we have no listener of that family.
std::string LocalIdentity::hostPortToward(const sip::Flow& out) const {
  const auto* listener = listenerFor(out.transport, out.remote.isV6());
  return listener ? hostPort(*listener) : out.local.toString();
}

std::string LocalIdentity::via(const sip::Flow& out, std::string_view branch) const {
  std::string via = "SIP/2.0/";
  via += sip::viaTransportName(out.transport);
  via += ' ';
  via += hostPortToward(out);
  via += ";branch=";
  via += branch;
  return via;
}

std::string LocalIdentity::contact(const sip::Flow& out) const {
  std::string contact = "sip:rtcgate@";
  contact += hostPortToward(out);
  contact += ";transport=";
  contact += sip::transportParamName(out.transport);
  return contact;
}

}  // namespace rtcgate::proxy
