#include "base/HostPort.hpp"

#include <charconv>

namespace rtcgate {

namespace {

std::optional<std::uint16_t> parsePort(std::string_view text) {
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || port > 65535) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(port);
}

}  // namespace

Result<HostPort> HostPort::parse(std::string_view text) {
  HostPort out;
  std::string_view portText;
  bool hasPort = false;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return Error{"unterminated IPv6 address"};
    out.host = std::string(text.substr(1, close - 1));
    const auto rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return Error{"junk after the IPv6 address"};
      portText = rest.substr(1);
      hasPort = true;
    }
  } else if (const auto colon = text.rfind(':');
             colon != std::string_view::npos && text.find(':') == colon) {
    out.host = std::string(text.substr(0, colon));
    portText = text.substr(colon + 1);
    hasPort = true;
  } else {
    out.host = std::string(text);
  }
  if (out.host.empty()) return Error{"missing host"};
  if (hasPort) {
    out.port = parsePort(portText);
    if (!out.port) return Error{"bad port"};
  }
  return out;
}

std::optional<UrlScheme> UrlScheme::split(std::string_view url) {
  const auto separator = url.find("://");
  if (separator == std::string_view::npos) return std::nullopt;
  return UrlScheme{url.substr(0, separator), url.substr(separator + 3)};
}

}  // namespace rtcgate
