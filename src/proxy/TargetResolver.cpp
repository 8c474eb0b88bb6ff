#include "proxy/TargetResolver.hpp"

#include <strings.h>

namespace rtcgate::proxy {

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
  if (host.size() == 9 && strncasecmp(host.data(), "localhost", 9) == 0) host = "127.0.0.1";
  const std::uint16_t port = uri.port ? uri.port : (sip::isSecure(flow.transport) ? 5061 : 5060);
  const auto address = SocketAddress::parse(host, port);
  if (!address) {
    why = "host is not an IP address (DNS is not used)";
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

}  // namespace rtcgate::proxy
