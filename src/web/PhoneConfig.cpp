#include "web/PhoneConfig.hpp"

#include <cstdio>

namespace rtcgate::web {

namespace {

// Configuration values are operator-written but still end up inside a script's JSON: escape
// everything JSON requires so a quote in a domain cannot break out of the string.
void appendJsonString(std::string& out, std::string_view text) {
  out += '"';
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || c == '<' || c == '>') {
      char escape[8];
      std::snprintf(escape, sizeof(escape), "\\u%04x", byte);
      out += escape;
    } else {
      out += c;
    }
  }
  out += '"';
}

}  // namespace

std::string PhoneConfig::toJson() const {
  std::string out = "{\"domains\":[";
  for (std::size_t i = 0; i < domains.size(); ++i) {
    if (i > 0) out += ',';
    appendJsonString(out, domains[i]);
  }
  out += "],\"wss\":";
  appendJsonString(out, wssUrl);
  out += ",\"ice_servers\":[";
  for (std::size_t i = 0; i < iceServers.size(); ++i) {
    if (i > 0) out += ',';
    appendJsonString(out, iceServers[i]);
  }
  out += "],\"turn\":";
  out += turnCredentials ? "true" : "false";
  out += '}';
  return out;
}

std::string PhoneConfig::wssUrlFor(std::string_view host, unsigned port) {
  const bool v6 = host.find(':') != std::string_view::npos;
  std::string url = "wss://";
  if (v6) url += '[';
  url += host;
  if (v6) url += ']';
  return url + ':' + std::to_string(port);
}

}  // namespace rtcgate::web
