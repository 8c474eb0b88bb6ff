#include "media/relay/ListenUrl.hpp"

#include <charconv>
#include <cstdint>

namespace rtcgate::media {

Result<SocketAddress> parseListenUrl(std::string_view url) {
  if (url.starts_with("udp://")) {
    url.remove_prefix(6);
  } else if (url.find("://") != std::string_view::npos) {
    return Error{"only udp:// ng listeners are supported"};
  }
  const std::size_t colon = url.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == url.size()) return Error{"missing port"};
  std::string_view host = url.substr(0, colon);
  if (host.starts_with('[') && host.ends_with(']')) host = host.substr(1, host.size() - 2);
  const std::string_view portText = url.substr(colon + 1);
  std::uint16_t port = 0;
  auto [ptr, ec] = std::from_chars(portText.data(), portText.data() + portText.size(), port);
  if (ec != std::errc() || ptr != portText.data() + portText.size()) return Error{"bad port"};
  auto address = SocketAddress::parse(host, port);
  if (!address) return Error{"bad address"};
  return *address;
}

}  // namespace rtcgate::media
