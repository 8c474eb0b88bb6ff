#include "web/IceServerUrl.hpp"

#include <algorithm>
#include <cctype>

#include "base/HostPort.hpp"

namespace rtcgate::web {

namespace {

bool isHostCharacter(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' ||
         c == '_';
}

// The "?transport=udp|tcp" tail of a TURN URL: the only query RFC 7065 defines.
bool readTransport(std::string_view query, IceServerUrl& url, std::string& why) {
  constexpr std::string_view kKey = "transport=";
  if (!url.isTurn()) {
    why = "only turn: and turns: URLs take ?transport=";
    return false;
  }
  if (!query.starts_with(kKey)) {
    why = "the only query allowed is ?transport=udp or ?transport=tcp";
    return false;
  }
  url.transport = std::string(query.substr(kKey.size()));
  if (url.transport != "udp" && url.transport != "tcp") {
    why = "transport must be udp or tcp, got '" + url.transport + "'";
    return false;
  }
  return true;
}

}  // namespace

std::optional<IceServerUrl> IceServerUrl::parse(std::string_view text, std::string& why) {
  IceServerUrl url;
  const auto colon = text.find(':');
  url.scheme = std::string(text.substr(0, colon));
  if (colon == std::string_view::npos || (url.scheme != "stun" && url.scheme != "stuns" &&
                                          url.scheme != "turn" && url.scheme != "turns")) {
    why = "expected a stun:, stuns:, turn: or turns: URL, got '" + std::string(text) + "'";
    return std::nullopt;
  }
  std::string_view rest = text.substr(colon + 1);
  if (rest.starts_with("//")) {
    why = "no // after the scheme in STUN and TURN URLs (turn:host:3478), got '" +
          std::string(text) + "'";
    return std::nullopt;
  }
  const auto question = rest.find('?');
  if (question != std::string_view::npos) {
    if (!readTransport(rest.substr(question + 1), url, why)) return std::nullopt;
    rest = rest.substr(0, question);
  }
  const auto hostPort = HostPort::parse(rest);
  if (!hostPort || !std::all_of(hostPort->host.begin(), hostPort->host.end(), isHostCharacter)) {
    why = "expected HOST[:PORT] after " + url.scheme + ":, got '" + std::string(rest) + "'";
    return std::nullopt;
  }
  url.host = hostPort->host;
  url.port = hostPort->port.value_or(0);
  if (hostPort->port && url.port == 0) {
    why = "port 0 in '" + std::string(text) + "'";
    return std::nullopt;
  }
  return url;
}

}  // namespace rtcgate::web
