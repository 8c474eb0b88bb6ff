#include "media/relay/ListenUrl.hpp"

#include "base/HostPort.hpp"

namespace rtcgate::media {

Result<SocketAddress> parseListenUrl(std::string_view url) {
  if (const auto scheme = UrlScheme::split(url)) {
    if (scheme->scheme != "udp") return Error{"only udp:// ng listeners are supported"};
    url = scheme->rest;
  }
  const auto hostPort = HostPort::parse(url);
  if (!hostPort) return Error{hostPort.error()};
  if (!hostPort->port) return Error{"missing port"};
  auto address = SocketAddress::parse(hostPort->host, *hostPort->port);
  if (!address) return Error{"bad address"};
  return *address;
}

}  // namespace rtcgate::media
