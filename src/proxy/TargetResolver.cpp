#include "proxy/TargetResolver.hpp"

#include <strings.h>

namespace rtcgate::proxy {

namespace {

bool isLocalhost(std::string_view host) {
  return host.size() == 9 && strncasecmp(host.data(), "localhost", 9) == 0;
}

}  // namespace

std::optional<sip::Flow> TargetResolver::resolve(const sip::SipUri& uri, const char*& why) const {
  if (uri.scheme != sip::UriScheme::Sip && uri.scheme != sip::UriScheme::Sips) {
    why = "not a sip: or sips: URI";
    return std::nullopt;
  }
  sip::Flow flow;
  const auto transportParam = uri.transport();
  if (transportParam.empty()) {
    flow.transport = uri.scheme == sip::UriScheme::Sips ? sip::Transport::Tls : sip::Transport::Udp;
  } else if (!sip::parseTransport(transportParam, flow.transport)) {
    why = "unsupported transport";
    return std::nullopt;
  }
  if (uri.scheme == sip::UriScheme::Sips && flow.transport == sip::Transport::Tcp) {
    flow.transport = sip::Transport::Tls;
  }
  if (sip::isWebSocket(flow.transport)) {
    why = "a WebSocket client is reachable only over its own connection";
    return std::nullopt;
  }
  auto host = uri.hostNoBrackets();
  if (isLocalhost(host)) host = "127.0.0.1";
  const std::uint16_t port = uri.port ? uri.port : (sip::isSecure(flow.transport) ? 5061 : 5060);
  const auto address = SocketAddress::parse(host, port);
  if (!address) {
    why = locator_ ? "host is a name (resolved through DNS)"
                   : "host is not an IP address (DNS is not used)";
    return std::nullopt;
  }
  const auto* listener = identity_.listenerFor(flow.transport, address->isV6());
  if (!listener) {
    why = "no listener for the transport";
    return std::nullopt;
  }
  flow.remote = *address;
  flow.local = listener->address;
  return flow;
}

bool TargetResolver::needsLookup(const sip::SipUri& uri) const {
  if (!locator_) return false;
  if (uri.scheme != sip::UriScheme::Sip && uri.scheme != sip::UriScheme::Sips) return false;
  const auto host = uri.hostNoBrackets();
  return !isLocalhost(host) && !SocketAddress::parse(host, 0);
}

void TargetResolver::resolve(const sip::SipUri& uri, Callback done) const {
  if (!needsLookup(uri)) {
    const char* why = "";
    Resolved resolved;
    if (auto flow = resolve(uri, why)) {
      resolved.flows.push_back(*flow);
    } else {
      resolved.status = 404;
      resolved.why = why;
    }
    return done(std::move(resolved));
  }
  locator_->locate(uri, [this, domain = std::string(uri.hostNoBrackets()),
                         done = std::move(done)](dns::SipServerLocator::Location found) {
    Resolved resolved;
    for (const auto& destination : found.destinations) {
      const auto* listener =
          identity_.listenerFor(destination.transport, destination.address.isV6());
      if (!listener) continue;
      if (sip::isSecure(destination.transport) && !destination.host.empty() && serverNameHint_) {
        serverNameHint_(destination.address, destination.host, domain);
      }
      sip::Flow flow;
      flow.transport = destination.transport;
      flow.remote = destination.address;
      flow.local = listener->address;
      resolved.flows.push_back(flow);
    }
    if (resolved.flows.empty()) {
      resolved.status =
          found.failure == dns::SipServerLocator::Location::Failure::Unavailable ? 503 : 404;
      resolved.why = found.error.empty() ? "no usable destination" : std::move(found.error);
    }
    done(std::move(resolved));
  });
}

bool TargetResolver::canSend(sip::Transport transport, bool v6) const {
  return !sip::isWebSocket(transport) && identity_.listenerFor(transport, v6) != nullptr;
}

}  // namespace rtcgate::proxy
